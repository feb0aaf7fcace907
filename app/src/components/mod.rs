pub mod shell;
pub mod theme;
pub mod ui;
