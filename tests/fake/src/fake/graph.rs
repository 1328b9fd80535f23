//! JumpCloud's object graph: which kinds may be associated, the associations (with their
//! attributes) and group memberships of one organisation, and the traversal that finds every
//! path from one object to objects of another kind, with the attributes compiled over them.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use serde_json::{Map, Value, json};

use super::state::Collection;

/// A kind of object in the graph: the values of the v2 document's `GraphType`, plus
/// `software_app`, which paths name although `GraphType` doesn't list it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum GraphKind {
    /// `active_directory`.
    ActiveDirectory,
    /// `application` (SSO application).
    Application,
    /// `command`.
    Command,
    /// `g_suite` (Google Workspace).
    GSuite,
    /// `idp_routing_policy` (the fake stores none; a valid association target only).
    IdpRoutingPolicy,
    /// `ldap_server`.
    LdapServer,
    /// `office_365` (Microsoft 365).
    Office365,
    /// `password_manager_item` (the fake stores none; a valid association target only).
    PasswordManagerItem,
    /// `policy`.
    Policy,
    /// `policy_group`.
    PolicyGroup,
    /// `radius_server`.
    RadiusServer,
    /// `software_app`.
    SoftwareApp,
    /// `system`.
    System,
    /// `system_group`.
    SystemGroup,
    /// `user`.
    User,
    /// `user_group`.
    UserGroup,
}

use GraphKind as K;

impl GraphKind {
    /// Every kind.
    pub const ALL: [GraphKind; 16] = [
        K::ActiveDirectory,
        K::Application,
        K::Command,
        K::GSuite,
        K::IdpRoutingPolicy,
        K::LdapServer,
        K::Office365,
        K::PasswordManagerItem,
        K::Policy,
        K::PolicyGroup,
        K::RadiusServer,
        K::SoftwareApp,
        K::System,
        K::SystemGroup,
        K::User,
        K::UserGroup,
    ];

    /// The wire name (`user_group`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            K::ActiveDirectory => "active_directory",
            K::Application => "application",
            K::Command => "command",
            K::GSuite => "g_suite",
            K::IdpRoutingPolicy => "idp_routing_policy",
            K::LdapServer => "ldap_server",
            K::Office365 => "office_365",
            K::PasswordManagerItem => "password_manager_item",
            K::Policy => "policy",
            K::PolicyGroup => "policy_group",
            K::RadiusServer => "radius_server",
            K::SoftwareApp => "software_app",
            K::System => "system",
            K::SystemGroup => "system_group",
            K::User => "user",
            K::UserGroup => "user_group",
        }
    }

    /// The kind with this wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The collection holding objects of this kind (`None` for kinds the fake doesn't store).
    pub fn collection(self) -> Option<Collection> {
        Some(match self {
            K::ActiveDirectory => Collection::ActiveDirectories,
            K::Application => Collection::Applications,
            K::Command => Collection::Commands,
            K::GSuite => Collection::GSuites,
            K::LdapServer => Collection::LdapServers,
            K::Office365 => Collection::Office365s,
            K::Policy => Collection::Policies,
            K::PolicyGroup => Collection::PolicyGroups,
            K::RadiusServer => Collection::RadiusServers,
            K::SoftwareApp => Collection::SoftwareApps,
            K::System => Collection::Systems,
            K::SystemGroup => Collection::SystemGroups,
            K::User => Collection::Users,
            K::UserGroup => Collection::UserGroups,
            K::IdpRoutingPolicy | K::PasswordManagerItem => return None,
        })
    }

    /// The kind of the objects a collection holds, if they are graph nodes.
    pub fn of_collection(c: Collection) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.collection() == Some(c))
    }

    /// The v2 path segment naming objects of this kind (`usergroups`, …), if it has routes.
    pub(crate) fn segment(self) -> Option<&'static str> {
        Some(match self {
            K::ActiveDirectory => "activedirectories",
            K::Application => "applications",
            K::Command => "commands",
            K::GSuite => "gsuites",
            K::LdapServer => "ldapservers",
            K::Office365 => "office365s",
            K::Policy => "policies",
            K::PolicyGroup => "policygroups",
            K::RadiusServer => "radiusservers",
            K::SoftwareApp => "softwareapps",
            K::System => "systems",
            K::SystemGroup => "systemgroups",
            K::User => "users",
            K::UserGroup => "usergroups",
            K::IdpRoutingPolicy | K::PasswordManagerItem => return None,
        })
    }

    /// The kinds `GET /{segment}/{id}/associations?targets=` accepts for this kind, as the
    /// v2 document lists them. Any other pair is a 400.
    pub fn association_targets(self) -> &'static [GraphKind] {
        const USER_SIDE: &[GraphKind] = &[
            K::ActiveDirectory,
            K::Application,
            K::GSuite,
            K::IdpRoutingPolicy,
            K::LdapServer,
            K::Office365,
            K::PasswordManagerItem,
            K::RadiusServer,
            K::System,
            K::SystemGroup,
        ];
        const SYSTEM_SIDE: &[GraphKind] =
            &[K::Command, K::Policy, K::PolicyGroup, K::User, K::UserGroup];
        const USERS: &[GraphKind] = &[K::User, K::UserGroup];
        const SYSTEMS: &[GraphKind] = &[K::System, K::SystemGroup];
        match self {
            K::User | K::UserGroup => USER_SIDE,
            K::System | K::SystemGroup => SYSTEM_SIDE,
            K::ActiveDirectory
            | K::Application
            | K::GSuite
            | K::LdapServer
            | K::Office365
            | K::RadiusServer => USERS,
            K::Command => &[K::System, K::SystemGroup, K::PasswordManagerItem],
            K::Policy | K::PolicyGroup | K::SoftwareApp => SYSTEMS,
            K::IdpRoutingPolicy | K::PasswordManagerItem => &[],
        }
    }

    /// Whether the two kinds may be associated (from either side).
    pub fn can_associate(self, other: GraphKind) -> bool {
        self.association_targets().contains(&other) || other.association_targets().contains(&self)
    }

    /// The kind of a group's members (`user` for `user_group`, …), if this is a group kind.
    pub fn member_kind(self) -> Option<GraphKind> {
        match self {
            K::UserGroup => Some(K::User),
            K::SystemGroup => Some(K::System),
            K::PolicyGroup => Some(K::Policy),
            _ => None,
        }
    }

    /// The group kind objects of this kind can be members of.
    pub fn group_kind(self) -> Option<GraphKind> {
        Self::ALL
            .into_iter()
            .find(|g| g.member_kind() == Some(self))
    }
}

impl fmt::Display for GraphKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One object of the graph: its kind and id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GraphNode {
    /// What kind of object it is.
    pub kind: GraphKind,
    /// Its object id.
    pub id: String,
}

impl GraphNode {
    /// A node of any kind.
    pub fn new(kind: GraphKind, id: impl Into<String>) -> Self {
        Self {
            kind,
            id: id.into(),
        }
    }

    /// A user (`systemuser`).
    pub fn user(id: impl Into<String>) -> Self {
        Self::new(K::User, id)
    }

    /// A user group.
    pub fn user_group(id: impl Into<String>) -> Self {
        Self::new(K::UserGroup, id)
    }

    /// A system.
    pub fn system(id: impl Into<String>) -> Self {
        Self::new(K::System, id)
    }

    /// A system group.
    pub fn system_group(id: impl Into<String>) -> Self {
        Self::new(K::SystemGroup, id)
    }

    /// `{"id": …, "type": …}`, the wire form of a graph object.
    pub(crate) fn to_json(&self) -> Value {
        json!({ "id": self.id, "type": self.kind.as_str() })
    }
}

impl fmt::Display for GraphNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind, self.id)
    }
}

/// Attributes carried by an association or membership (e.g. `{"sudo": {...}}`): the same
/// type as `jumpcloud_api::graph::Attributes` (and `jumpcloud_ext::graph::Attributes`), so
/// one value serves the fake's seeding and the SDK's calls.
pub type Attributes = Map<String, Value>;

/// Why a graph change was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum GraphError {
    /// The two kinds can't be linked that way (400).
    Invalid(String),
    /// The link already exists (409).
    Exists,
    /// The link doesn't exist (404).
    Missing,
}

/// Whether the kinds of `a` and `b` allow an association between them.
pub(crate) fn check_association(a: &GraphNode, b: &GraphNode) -> Result<(), GraphError> {
    if a.kind.can_associate(b.kind) {
        Ok(())
    } else {
        let (a, b) = (a.kind, b.kind);
        Err(GraphError::Invalid(format!(
            "{a} cannot be associated with {b}"
        )))
    }
}

/// Whether the kinds of `group` and `member` allow the membership.
pub(crate) fn check_membership(group: &GraphNode, member: &GraphNode) -> Result<(), GraphError> {
    if group.kind.member_kind() == Some(member.kind) {
        Ok(())
    } else {
        let (group, member) = (group.kind, member.kind);
        Err(GraphError::Invalid(format!(
            "a {member} cannot be a member of a {group}"
        )))
    }
}

/// The links of one organisation. Associations are stored from both ends; memberships both
/// as group → members and member → groups, so every listing is a lookup.
#[derive(Debug, Default)]
pub(crate) struct Graph {
    assoc: HashMap<GraphNode, BTreeMap<GraphNode, Attributes>>,
    members: HashMap<GraphNode, BTreeMap<GraphNode, Attributes>>,
    member_of: HashMap<GraphNode, BTreeSet<GraphNode>>,
}

/// One hop of a path: the object reached and the attributes of the link used.
#[derive(Debug, Clone)]
pub(crate) struct Hop {
    pub(crate) to: GraphNode,
    pub(crate) attributes: Attributes,
}

/// Every path from a traversal's source to one reached object.
pub(crate) type Reached = BTreeMap<GraphNode, Vec<Vec<Hop>>>;

impl Graph {
    /// Link `a` and `b` with `attributes`.
    pub(crate) fn associate(
        &mut self,
        a: &GraphNode,
        b: &GraphNode,
        attributes: Attributes,
    ) -> Result<(), GraphError> {
        check_association(a, b)?;
        if self.assoc.get(a).is_some_and(|m| m.contains_key(b)) {
            return Err(GraphError::Exists);
        }
        self.assoc
            .entry(a.clone())
            .or_default()
            .insert(b.clone(), attributes.clone());
        self.assoc
            .entry(b.clone())
            .or_default()
            .insert(a.clone(), attributes);
        Ok(())
    }

    /// Replace the attributes of an existing association.
    pub(crate) fn update_association(
        &mut self,
        a: &GraphNode,
        b: &GraphNode,
        attributes: Attributes,
    ) -> Result<(), GraphError> {
        for (x, y) in [(a, b), (b, a)] {
            let slot = self
                .assoc
                .get_mut(x)
                .and_then(|m| m.get_mut(y))
                .ok_or(GraphError::Missing)?;
            *slot = attributes.clone();
        }
        Ok(())
    }

    /// Remove the association between `a` and `b`.
    pub(crate) fn dissociate(&mut self, a: &GraphNode, b: &GraphNode) -> Result<(), GraphError> {
        let found = self.assoc.get_mut(a).and_then(|m| m.remove(b)).is_some();
        if let Some(m) = self.assoc.get_mut(b) {
            m.remove(a);
        }
        if found {
            Ok(())
        } else {
            Err(GraphError::Missing)
        }
    }

    /// Make `member` a member of `group`.
    pub(crate) fn add_member(
        &mut self,
        group: &GraphNode,
        member: &GraphNode,
        attributes: Attributes,
    ) -> Result<(), GraphError> {
        check_membership(group, member)?;
        let members = self.members.entry(group.clone()).or_default();
        if members.contains_key(member) {
            return Err(GraphError::Exists);
        }
        members.insert(member.clone(), attributes);
        self.member_of
            .entry(member.clone())
            .or_default()
            .insert(group.clone());
        Ok(())
    }

    /// Replace the attributes of an existing membership.
    pub(crate) fn update_member(
        &mut self,
        group: &GraphNode,
        member: &GraphNode,
        attributes: Attributes,
    ) -> Result<(), GraphError> {
        let slot = self
            .members
            .get_mut(group)
            .and_then(|m| m.get_mut(member))
            .ok_or(GraphError::Missing)?;
        *slot = attributes;
        Ok(())
    }

    /// End `member`'s membership of `group`.
    pub(crate) fn remove_member(
        &mut self,
        group: &GraphNode,
        member: &GraphNode,
    ) -> Result<(), GraphError> {
        let found = self
            .members
            .get_mut(group)
            .and_then(|m| m.remove(member))
            .is_some();
        if let Some(groups) = self.member_of.get_mut(member) {
            groups.remove(group);
        }
        if found {
            Ok(())
        } else {
            Err(GraphError::Missing)
        }
    }

    /// Forget every link of a removed object.
    pub(crate) fn remove_node(&mut self, node: &GraphNode) {
        if let Some(peers) = self.assoc.remove(node) {
            for peer in peers.keys() {
                if let Some(m) = self.assoc.get_mut(peer) {
                    m.remove(node);
                }
            }
        }
        if let Some(members) = self.members.remove(node) {
            for m in members.keys() {
                if let Some(groups) = self.member_of.get_mut(m) {
                    groups.remove(node);
                }
            }
        }
        if let Some(groups) = self.member_of.remove(node) {
            for g in groups {
                if let Some(m) = self.members.get_mut(&g) {
                    m.remove(node);
                }
            }
        }
    }

    /// Direct associations of `node` with objects of the `targets` kinds, in (kind, id) order.
    pub(crate) fn associations(
        &self,
        node: &GraphNode,
        targets: &[GraphKind],
    ) -> Vec<(&GraphNode, &Attributes)> {
        self.assoc
            .get(node)
            .into_iter()
            .flatten()
            .filter(|(n, _)| targets.contains(&n.kind))
            .collect()
    }

    /// Direct members of a group, in (kind, id) order.
    pub(crate) fn members(&self, group: &GraphNode) -> Vec<(&GraphNode, &Attributes)> {
        self.members.get(group).into_iter().flatten().collect()
    }

    /// The groups `node` is a direct member of.
    pub(crate) fn groups_of(&self, node: &GraphNode) -> Vec<&GraphNode> {
        self.member_of.get(node).into_iter().flatten().collect()
    }

    /// The attributes of a membership, if it exists.
    fn membership(&self, group: &GraphNode, member: &GraphNode) -> Option<&Attributes> {
        self.members.get(group)?.get(member)
    }

    /// Every object of the `targets` kinds reachable from `source` the way JumpCloud binds
    /// them, with each path: optionally up into a group `source` belongs to, then one
    /// association, then optionally down to a member of the group reached. That gives, for a
    /// user and systems: user → system, user → user group → system, user → system group →
    /// system and user → user group → system group → system.
    pub(crate) fn traverse(&self, source: &GraphNode, targets: &[GraphKind]) -> Reached {
        let mut starts: Vec<(&GraphNode, Vec<Hop>)> = vec![(source, Vec::new())];
        for g in self.groups_of(source) {
            let attributes = self.membership(g, source).cloned().unwrap_or_default();
            starts.push((
                g,
                vec![Hop {
                    to: g.clone(),
                    attributes,
                }],
            ));
        }
        let mut out = Reached::new();
        for (from, prefix) in starts {
            for (peer, attributes) in self.assoc.get(from).into_iter().flatten() {
                if peer == source {
                    continue;
                }
                let mut path = prefix.clone();
                path.push(Hop {
                    to: peer.clone(),
                    attributes: attributes.clone(),
                });
                if targets.contains(&peer.kind) {
                    out.entry(peer.clone()).or_default().push(path.clone());
                }
                let Some(member_kind) = peer.kind.member_kind() else {
                    continue;
                };
                if !targets.contains(&member_kind) {
                    continue;
                }
                for (member, attributes) in self.members(peer) {
                    if member == source {
                        continue;
                    }
                    let mut full = path.clone();
                    full.push(Hop {
                        to: member.clone(),
                        attributes: attributes.clone(),
                    });
                    out.entry(member.clone()).or_default().push(full);
                }
            }
        }
        out
    }
}

/// Fold `src` into `dst` the way compiled attributes combine over several paths: booleans
/// are ORed (any path granting sudo grants it), arrays are united, objects merged key by
/// key, and otherwise the first value seen stays. A `sudo` that isn't enabled grants no
/// `withoutPassword`.
pub(crate) fn merge_attributes(dst: &mut Attributes, src: &Attributes) {
    for (k, v) in src {
        let v = if k == "sudo" {
            normalise_sudo(v)
        } else {
            v.clone()
        };
        match (dst.get_mut(k), v) {
            (None, v) => {
                dst.insert(k.clone(), v);
            }
            (Some(Value::Object(d)), Value::Object(s)) => merge_attributes(d, &s),
            (Some(Value::Bool(d)), Value::Bool(s)) => *d |= s,
            (Some(Value::Array(d)), Value::Array(s)) => {
                for item in s {
                    if !d.contains(&item) {
                        d.push(item);
                    }
                }
            }
            (Some(_), _) => {}
        }
    }
}

fn normalise_sudo(v: &Value) -> Value {
    let mut v = v.clone();
    if let Value::Object(m) = &mut v {
        let enabled = m.get("enabled").and_then(Value::as_bool).unwrap_or(false);
        if !enabled && m.contains_key("withoutPassword") {
            m.insert("withoutPassword".into(), Value::Bool(false));
        }
    }
    v
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn attrs(v: Value) -> Attributes {
        match v {
            Value::Object(m) => m,
            _ => Attributes::new(),
        }
    }

    #[test]
    fn pairs_follow_the_document() {
        assert!(K::User.can_associate(K::System));
        assert!(K::System.can_associate(K::User));
        assert!(K::Command.can_associate(K::SystemGroup));
        assert!(!K::User.can_associate(K::UserGroup));
        assert!(!K::System.can_associate(K::System));
        assert_eq!(K::parse("office_365"), Some(K::Office365));
        for k in GraphKind::ALL {
            assert_eq!(GraphKind::parse(k.as_str()), Some(k));
        }
    }

    #[test]
    fn links_are_checked() {
        let mut g = Graph::default();
        let (u, s) = (GraphNode::user("u"), GraphNode::system("s"));
        g.associate(&u, &s, Attributes::new()).unwrap();
        assert_eq!(
            g.associate(&s, &u, Attributes::new()),
            Err(GraphError::Exists)
        );
        assert!(matches!(
            g.associate(&u, &GraphNode::user("v"), Attributes::new()),
            Err(GraphError::Invalid(_))
        ));
        g.dissociate(&s, &u).unwrap();
        assert_eq!(g.dissociate(&u, &s), Err(GraphError::Missing));
        assert!(matches!(
            g.add_member(&GraphNode::user_group("g"), &s, Attributes::new()),
            Err(GraphError::Invalid(_))
        ));
    }

    #[test]
    fn traversal_paths_and_removal() {
        let mut g = Graph::default();
        let u = GraphNode::user("u");
        let (ug, sg) = (GraphNode::user_group("ug"), GraphNode::system_group("sg"));
        let (s1, s2) = (GraphNode::system("s1"), GraphNode::system("s2"));
        g.add_member(&ug, &u, Attributes::new()).unwrap();
        g.add_member(&sg, &s1, Attributes::new()).unwrap();
        g.add_member(&sg, &s2, Attributes::new()).unwrap();
        let sudo = attrs(json!({"sudo": {"enabled": true, "withoutPassword": false}}));
        g.associate(&u, &s1, sudo).unwrap();
        g.associate(&ug, &sg, Attributes::new()).unwrap();
        let reached = g.traverse(&u, &[K::System]);
        assert_eq!(reached.len(), 2);
        assert_eq!(reached[&s1].len(), 2);
        assert_eq!(reached[&s2].len(), 1);
        assert_eq!(reached[&s2][0].len(), 3);
        let back = g.traverse(&s2, &[K::User]);
        assert_eq!(back[&u][0].len(), 3);
        g.remove_node(&ug);
        assert_eq!(g.traverse(&u, &[K::System]).len(), 1);
        assert!(g.groups_of(&u).is_empty());
    }

    #[test]
    fn compiled_attributes_merge() {
        let mut dst = Attributes::new();
        merge_attributes(
            &mut dst,
            &attrs(
                json!({"sudo": {"enabled": false, "withoutPassword": true}, "ldapGroups": [{"name": "a"}]}),
            ),
        );
        merge_attributes(
            &mut dst,
            &attrs(
                json!({"sudo": {"enabled": true, "withoutPassword": false}, "ldapGroups": [{"name": "b"}, {"name": "a"}]}),
            ),
        );
        assert_eq!(
            Value::Object(dst),
            json!({"sudo": {"enabled": true, "withoutPassword": false}, "ldapGroups": [{"name": "a"}, {"name": "b"}]})
        );
    }
}
