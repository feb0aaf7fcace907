//! Dark mode. An inline script in <head> applies the saved choice before first paint; the
//! toggle (which needs the wasm) flips it and remembers it.

use leptos::prelude::*;

/// Runs before the page paints, so a dark-mode user never sees a white flash.
pub const THEME_BOOT_SCRIPT: &str = "try{var t=localStorage.getItem('theme');if(t==='dark'||(!t&&matchMedia('(prefers-color-scheme: dark)').matches))document.documentElement.classList.add('dark')}catch(e){}";

#[component]
pub fn ThemeToggle() -> impl IntoView {
    // Unknown until hydrated: the server cannot see the browser's preference.
    let dark = RwSignal::new(None::<bool>);
    Effect::new(move |_| {
        if let Some(el) = document().document_element() {
            dark.set(Some(el.class_list().contains("dark")));
        }
    });
    let toggle = move |_| {
        let next = !dark.get_untracked().unwrap_or(false);
        if let Some(el) = document().document_element() {
            let _ = if next {
                el.class_list().add_1("dark")
            } else {
                el.class_list().remove_1("dark")
            };
        }
        if let Ok(Some(storage)) = window().local_storage() {
            let _ = storage.set_item("theme", if next { "dark" } else { "light" });
        }
        dark.set(Some(next));
    };
    view! {
        <button
            type="button"
            on:click=toggle
            aria-label="Dark mode"
            aria-pressed=move || match dark.get() { Some(true) => "true", _ => "false" }
            title="Switch between light and dark"
            class="inline-flex h-9 w-9 items-center justify-center rounded-lg text-slate-500 hover:bg-slate-100 hover:text-slate-900 dark:text-slate-400 dark:hover:bg-slate-800 dark:hover:text-white"
        >
            <svg class="h-5 w-5 dark:hidden" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8" aria-hidden="true">
                <path stroke-linecap="round" stroke-linejoin="round" d="M21.75 15.002A9.72 9.72 0 0 1 18 15.75c-5.385 0-9.75-4.365-9.75-9.75 0-1.33.266-2.597.748-3.752A9.753 9.753 0 0 0 3 11.25C3 16.635 7.365 21 12.75 21a9.753 9.753 0 0 0 9-5.998Z"/>
            </svg>
            <svg class="hidden h-5 w-5 dark:block" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8" aria-hidden="true">
                <path stroke-linecap="round" stroke-linejoin="round" d="M12 3v2.25m6.364.386-1.591 1.591M21 12h-2.25m-.386 6.364-1.591-1.591M12 18.75V21m-4.773-4.227-1.591 1.591M5.25 12H3m4.227-4.773L5.636 5.636M15.75 12a3.75 3.75 0 1 1-7.5 0 3.75 3.75 0 0 1 7.5 0Z"/>
            </svg>
        </button>
    }
}
