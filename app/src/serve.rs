//! Composition of the whole HTTP application: Leptos pages and server functions, merged with
//! the server crate's routes, inside its middleware stack.

use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use server::AppState;

use crate::{shell, App};

pub fn router(state: AppState, options: LeptosOptions) -> Router {
    let routes = generate_route_list(App);
    let ctx = {
        let state = state.clone();
        move || {
            provide_context(state.clone());
            use_request_nonce();
        }
    };
    let pages = Router::new()
        .leptos_routes_with_context(&options, routes, ctx.clone(), {
            let options = options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context(ctx, shell))
        .with_state(options);
    server::http::wrap(pages.merge(server::areas::routes(state.clone())), state)
}

/// Puts the nonce the middleware chose for this request (and wrote into the page's
/// Content-Security-Policy) on the scripts this render writes.
fn use_request_nonce() {
    let nonce = use_context::<http::request::Parts>().and_then(|parts| {
        parts
            .extensions
            .get::<server::http::middleware::PageNonce>()
            .cloned()
    });
    if let Some(nonce) = nonce {
        provide_context(leptos::nonce::Nonce::from_value(nonce.0));
    }
}

/// Leptos options from cargo-leptos' environment, falling back to the workspace defaults when
/// the binary was built without it (plain `cargo build`).
pub fn leptos_options(site_addr: std::net::SocketAddr) -> LeptosOptions {
    let mut options = get_configuration(None)
        .map(|c| c.leptos_options)
        .unwrap_or_else(|_| {
            LeptosOptions::builder()
                .output_name("switchyard")
                .site_root(
                    std::env::var("LEPTOS_SITE_ROOT").unwrap_or_else(|_| "target/site".into()),
                )
                .site_pkg_dir("pkg")
                .build()
        });
    options.site_addr = site_addr;
    // Release builds name the wasm, JS and CSS by their content (`hash-files` in Cargo.toml)
    // and write the names to hash.txt beside the binary; Leptos links them when told so.
    let hashes = hash_file(&options);
    options.hash_files = hashes.is_some();
    server::http::middleware::set_stylesheet(format!(
        "/{}/{}{}.css",
        options.site_pkg_dir,
        options.output_name,
        hashes
            .as_deref()
            .and_then(|h| hash_of(h, "css"))
            .map(|h| format!(".{h}"))
            .unwrap_or_default()
    ));
    options
}

/// The contents of cargo-leptos' hash file beside this executable, if there is one.
fn hash_file(options: &LeptosOptions) -> Option<String> {
    let exe = std::env::current_exe().ok()?;
    std::fs::read_to_string(exe.parent()?.join(options.hash_file.as_ref())).ok()
}

/// The hash of one kind of file (`css`, `js`, `wasm`) in a hash file's `kind: hash` lines.
fn hash_of<'a>(hashes: &'a str, kind: &str) -> Option<&'a str> {
    hashes.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        (k.trim() == kind).then_some(v.trim())
    })
}
