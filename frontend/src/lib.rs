//! Hydrates the server-rendered page in the browser.
#![recursion_limit = "256"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Lazy routes: a page's wasm chunk is fetched before its part of the page is hydrated, so
    // hydration finishes asynchronously. Only then are the event handlers of the whole page in
    // place: that is when <body> is marked as interactive (the end-to-end tests wait for it).
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = leptos::prelude::document().body() else {
            return;
        };
        let owner = leptos::mount::hydrate_from_async(body.clone(), app::App).await;
        owner.forget();
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
