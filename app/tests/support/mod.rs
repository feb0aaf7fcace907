//! The full application router (Leptos pages, server functions, server routes) on the shared
//! test harness.
#![allow(dead_code)]

#[path = "../../../server/tests/common/mod.rs"]
pub mod common;

use leptos::prelude::LeptosOptions;

pub async fn spawn_full() -> common::TestApp {
    spawn_full_with(&[]).await
}

/// The full router with `extra` configuration.
pub async fn spawn_full_with(extra: &[(&str, &str)]) -> common::TestApp {
    common::spawn_routed(extra, |state| {
        let options = LeptosOptions::builder()
            .output_name("switchyard")
            .site_root("target/site")
            .site_pkg_dir("pkg")
            .build();
        app::serve::router(state, options)
    })
    .await
}
