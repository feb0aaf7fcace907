//! The team: the company's profile and logo, its members, roles, stores and invitations
//! (Settings). Signing in, accounts and their second factor are identity's.

pub mod company;
pub mod http;
pub mod invitations;
pub mod members;
mod repo;
pub mod roles;
pub mod stores;

use crate::{
    access::Permission,
    http::middleware::{PageNeeds, PageRule},
};

/// The team's settings pages, and what each needs.
pub const PAGES: &[PageRule] = &[
    PageRule::new(
        "/settings/members",
        PageNeeds::Permission(Permission::MembersManage),
    ),
    PageRule::new(
        "/settings/outbox",
        PageNeeds::Permission(Permission::MembersManage),
    ),
    PageRule::new(
        "/settings/stores",
        PageNeeds::Permission(Permission::StoresManage),
    ),
    PageRule::new(
        "/settings/roles",
        PageNeeds::Permission(Permission::SettingsManage),
    ),
    PageRule::new(
        "/settings/company",
        PageNeeds::Permission(Permission::SettingsManage),
    ),
    PageRule::new(
        "/settings/integrations",
        PageNeeds::Permission(Permission::SettingsManage),
    ),
];
