//! The data table every list starts from: a header row from a column list (sortable columns
//! are links that keep the address's other parameters, so sorting works without JavaScript
//! and can be bookmarked), an empty state instead of an empty table, and optional row
//! selection with a select-all box (live once the page is hydrated).

use std::cmp::Ordering;

use leptos::prelude::*;
use leptos_router::{
    hooks::{use_location, use_query_map},
    params::ParamsMap,
};

use super::ui::{EmptyState, TABLE, TD, TH};

/// One column of a [`DataTable`].
#[derive(Clone, Copy, Debug)]
pub struct Column {
    /// The value of `?sort=` that orders by this column.
    pub key: &'static str,
    pub label: &'static str,
    pub sortable: bool,
    /// Right-aligned figures.
    pub numeric: bool,
    /// The label is for screen readers only (an actions column).
    pub quiet: bool,
    /// Extra classes of the header cell (e.g. `hidden md:table-cell`).
    pub class: &'static str,
}

impl Column {
    pub const fn new(key: &'static str, label: &'static str) -> Self {
        Column {
            key,
            label,
            sortable: false,
            numeric: false,
            quiet: false,
            class: "",
        }
    }
    pub const fn sortable(mut self) -> Self {
        self.sortable = true;
        self
    }
    pub const fn numeric(mut self) -> Self {
        self.numeric = true;
        self
    }
    pub const fn quiet(mut self) -> Self {
        self.quiet = true;
        self
    }
    pub const fn class(mut self, class: &'static str) -> Self {
        self.class = class;
        self
    }
}

/// The order of a list, read from `?sort=<key>&dir=asc|desc`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sort {
    pub key: String,
    pub descending: bool,
}

impl Sort {
    /// The address's order when it names one of `columns`' sortable keys, else the default.
    pub fn from_query(
        q: &ParamsMap,
        columns: &[Column],
        default: &'static str,
        descending: bool,
    ) -> Sort {
        let key = q.get("sort").unwrap_or_default();
        if columns.iter().any(|c| c.sortable && c.key == key) {
            Sort {
                descending: q.get("dir").as_deref() == Some("desc"),
                key,
            }
        } else {
            Sort {
                key: default.to_string(),
                descending,
            }
        }
    }

    /// Orders `rows` by this sort; `by(key, a, b)` compares two rows on a column. Stable, so
    /// rows equal on the column keep the order they came in.
    pub fn apply<T>(&self, rows: &mut [T], by: impl Fn(&str, &T, &T) -> Ordering) {
        rows.sort_by(|a, b| {
            let o = by(&self.key, a, b);
            if self.descending {
                o.reverse()
            } else {
                o
            }
        });
    }

    /// The `aria-sort` value of a column's header.
    fn aria(&self, key: &str) -> Option<&'static str> {
        (self.key == key).then_some(if self.descending {
            "descending"
        } else {
            "ascending"
        })
    }
}

/// The query string a header link goes to: this column, ascending unless it is already the
/// ascending order; back to the first page; every other parameter kept.
pub fn sort_query(q: &ParamsMap, current: &Sort, key: &str) -> String {
    let mut q = q.clone();
    let descending = current.key == key && !current.descending;
    q.replace("sort", key.to_string());
    q.replace("dir", if descending { "desc" } else { "asc" }.to_string());
    q.remove("page");
    q.to_query_string()
}

/// A table of `rows`, each drawn by `row` as a `<tr>`; `empty_title`/`empty_text` show
/// instead when there are none. With `select`, the first column holds a select-all box
/// for the rows' checkboxes of that name (rows draw theirs with [`SelectCell`]).
#[component]
pub fn DataTable<T, R, V>(
    columns: &'static [Column],
    rows: Vec<T>,
    row: R,
    /// The order shown, when the columns are sortable.
    #[prop(optional)]
    sort: Option<Sort>,
    /// The `name` of the rows' selection checkboxes.
    #[prop(optional)]
    select: Option<&'static str>,
    /// What the table lists, for screen readers.
    #[prop(into)]
    label: String,
    #[prop(into)] empty_title: String,
    #[prop(into)] empty_text: String,
) -> impl IntoView
where
    T: 'static,
    R: Fn(T) -> V + 'static,
    V: IntoView + 'static,
{
    if rows.is_empty() {
        return view! { <EmptyState title=empty_title text=empty_text/> }.into_any();
    }
    let query = use_query_map();
    let location = use_location();
    let heads = columns
        .iter()
        .map(|c| {
            let mut class = TH.to_string();
            if c.numeric {
                class.push_str(" text-right");
            }
            if !c.class.is_empty() {
                class.push(' ');
                class.push_str(c.class);
            }
            let aria_sort = sort.as_ref().and_then(|s| s.aria(c.key));
            let content = match (&sort, c.sortable, c.quiet) {
                (_, _, true) => view! { <span class="sr-only">{c.label}</span> }.into_any(),
                (Some(s), true, false) => {
                    let href = format!(
                        "{}{}",
                        location.pathname.get_untracked(),
                        sort_query(&query.get_untracked(), s, c.key)
                    );
                    let arrow = match aria_sort {
                        Some("ascending") => "↑",
                        Some(_) => "↓",
                        None => "↕",
                    };
                    view! {
                        <a href=href class="group inline-flex items-center gap-1 hover:text-slate-900 dark:hover:text-white">
                            {c.label}
                            <span aria-hidden="true" class=if aria_sort.is_some() { "text-brand-600 dark:text-brand-400" } else { "text-slate-300 group-hover:text-slate-500 dark:text-slate-600" }>{arrow}</span>
                        </a>
                    }
                    .into_any()
                }
                _ => view! { <span>{c.label}</span> }.into_any(),
            };
            view! { <th scope="col" class=class aria-sort=aria_sort>{content}</th> }
        })
        .collect_view();
    let select_all = select
        .map(|name| view! { <th scope="col" class=format!("{TH} w-8")><SelectAll name/></th> });
    let body = rows.into_iter().map(row).collect_view();
    view! {
        <div class="-mx-5 overflow-x-auto">
            <table class=TABLE aria-label=label>
                <thead><tr>{select_all}{heads}</tr></thead>
                <tbody class="divide-y divide-slate-100 dark:divide-slate-800">{body}</tbody>
            </table>
        </div>
    }
    .into_any()
}

/// A row's selection checkbox.
#[component]
pub fn SelectCell(
    name: &'static str,
    #[prop(into)] value: String,
    #[prop(into)] label: String,
) -> impl IntoView {
    view! {
        <td class=TD>
            <input type="checkbox" name=name value=value aria-label=label class="h-4 w-4 rounded border-slate-300 dark:border-slate-600"/>
        </td>
    }
}

/// Checks or clears every checkbox called `name` in its table. Disabled until the page is
/// hydrated (it needs the browser), so it never looks live when it is not.
#[component]
fn SelectAll(name: &'static str) -> impl IntoView {
    let live = RwSignal::new(false);
    Effect::new(move || live.set(true));
    let toggle = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let Some(input) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            else {
                return;
            };
            let checked = input.checked();
            let Ok(Some(table)) = input.closest("table") else {
                return;
            };
            if let Ok(boxes) =
                table.query_selector_all(&format!("tbody input[type=checkbox][name='{name}']"))
            {
                for i in 0..boxes.length() {
                    if let Some(b) = boxes
                        .item(i)
                        .and_then(|n| n.dyn_into::<web_sys::HtmlInputElement>().ok())
                    {
                        b.set_checked(checked);
                    }
                }
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, name);
    };
    view! {
        <input type="checkbox" aria-label="Select all" disabled=move || !live.get() on:change=toggle
            class="h-4 w-4 rounded border-slate-300 disabled:opacity-40 dark:border-slate-600"/>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLUMNS: &[Column] = &[
        Column::new("name", "Name").sortable(),
        Column::new("role", "Role"),
        Column::new("joined", "Joined").sortable(),
    ];

    fn query(pairs: &[(&str, &str)]) -> ParamsMap {
        let mut q = ParamsMap::new();
        for (k, v) in pairs {
            q.insert(k.to_string(), v.to_string());
        }
        q
    }

    #[test]
    fn the_address_chooses_among_sortable_columns_only() {
        let s = Sort::from_query(
            &query(&[("sort", "joined"), ("dir", "desc")]),
            COLUMNS,
            "name",
            false,
        );
        assert_eq!((s.key.as_str(), s.descending), ("joined", true));
        // Not sortable, and unknown: the default.
        for key in ["role", "password_hash"] {
            let s = Sort::from_query(&query(&[("sort", key)]), COLUMNS, "name", false);
            assert_eq!((s.key.as_str(), s.descending), ("name", false));
        }
    }

    #[test]
    fn a_header_link_flips_its_own_order_keeps_filters_and_goes_to_the_first_page() {
        let q = query(&[("action", "login"), ("page", "3")]);
        let asc = Sort {
            key: "name".into(),
            descending: false,
        };
        let link = sort_query(&q, &asc, "name");
        assert!(link.contains("action=login") && link.contains("sort=name"));
        assert!(link.contains("dir=desc") && !link.contains("page="));
        assert!(sort_query(&q, &asc, "joined").contains("dir=asc"));
    }

    #[test]
    fn apply_orders_both_ways_and_is_stable() {
        let mut rows = vec![("b", 1), ("a", 2), ("b", 0)];
        let by = |_: &str, x: &(&str, i32), y: &(&str, i32)| x.0.cmp(y.0);
        let mut s = Sort {
            key: "name".into(),
            descending: false,
        };
        s.apply(&mut rows, by);
        assert_eq!(rows, vec![("a", 2), ("b", 1), ("b", 0)]);
        s.descending = true;
        s.apply(&mut rows, by);
        assert_eq!(rows, vec![("b", 1), ("b", 0), ("a", 2)]);
    }
}
