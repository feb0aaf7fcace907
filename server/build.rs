// `sqlx::migrate!` embeds the migration files when the crate compiles; a new file alone would
// not make Cargo compile it again (sqlx's documented advice).
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
