pub mod chart;
pub mod pager;
pub mod shell;
pub mod table;
pub mod theme;
pub mod ui;
