//! Ergonomic layer over `jumpcloud-api`.
