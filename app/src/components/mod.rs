pub mod chart;
pub mod pager;
pub mod shell;
pub mod theme;
pub mod ui;
