//! Hydrates the server-rendered page in the browser.
#![recursion_limit = "256"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Lazy routes: a page's chunk is fetched before its part of the page is hydrated.
    leptos::mount::hydrate_lazy(app::App);
}
