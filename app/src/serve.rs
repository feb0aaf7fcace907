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
            page_security_policy();
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

/// Gives this render a fresh nonce and a Content-Security-Policy that allows only our own
/// scripts plus the inline ones carrying that nonce (hydration, resources, theme boot).
fn page_security_policy() {
    leptos::nonce::provide_nonce();
    let (Some(nonce), Some(res)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    let form_action = use_context::<server::AppState>()
        .map(|s| s.config.form_action_sources())
        .unwrap_or_else(|| "'self'".into());
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
         frame-ancestors 'none'; base-uri 'self'; form-action {form_action}; object-src 'none'"
    );
    if let Ok(value) = http::HeaderValue::from_str(&policy) {
        res.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
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
    options
}
