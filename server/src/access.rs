//! Permissions and roles. Roles are sets of permissions: six built-in ones defined here (so
//! every installation agrees on them) and custom ones an admin composes, stored per company.
//! `Principal::authorize` is the one check every server function and route starts with.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Error, Result};

/// Everything a member can be allowed to do. The key (`orders.read`) is what roles store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Permission {
    OrdersRead,
    OrdersWrite,
    CampaignsRead,
    CampaignsManage,
    CampaignsApprove,
    AnalysesRead,
    AnalysesReadAll,
    AnalysesRun,
    BillingRead,
    BillingManage,
    MembersManage,
    StoresManage,
    SettingsManage,
    AuditRead,
    // Last, so the other permissions keep their bits.
    ContentWrite,
}

impl Permission {
    pub const ALL: [Permission; 15] = [
        Permission::OrdersRead,
        Permission::OrdersWrite,
        Permission::CampaignsRead,
        Permission::CampaignsManage,
        Permission::CampaignsApprove,
        Permission::ContentWrite,
        Permission::AnalysesRead,
        Permission::AnalysesReadAll,
        Permission::AnalysesRun,
        Permission::BillingRead,
        Permission::BillingManage,
        Permission::MembersManage,
        Permission::StoresManage,
        Permission::SettingsManage,
        Permission::AuditRead,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Permission::OrdersRead => "orders.read",
            Permission::OrdersWrite => "orders.write",
            Permission::CampaignsRead => "campaigns.read",
            Permission::CampaignsManage => "campaigns.manage",
            Permission::CampaignsApprove => "campaigns.approve",
            Permission::ContentWrite => "content.write",
            Permission::AnalysesRead => "analyses.read",
            Permission::AnalysesReadAll => "analyses.read_all",
            Permission::AnalysesRun => "analyses.run",
            Permission::BillingRead => "billing.read",
            Permission::BillingManage => "billing.manage",
            Permission::MembersManage => "members.manage",
            Permission::StoresManage => "stores.manage",
            Permission::SettingsManage => "settings.manage",
            Permission::AuditRead => "audit.read",
        }
    }

    /// What the permission allows, in words an admin composing a role understands.
    pub fn describe(self) -> &'static str {
        match self {
            Permission::OrdersRead => "See orders of the stores they can access",
            Permission::OrdersWrite => "Update orders and create shipments",
            Permission::CampaignsRead => "See ad campaigns and their metrics",
            Permission::CampaignsManage => "Change campaign budgets and status",
            Permission::CampaignsApprove => "Approve or reject large budget rises",
            Permission::ContentWrite => {
                "Research companies and write emails and posts in the content studio"
            }
            Permission::AnalysesRead => "See their own analyses",
            Permission::AnalysesReadAll => "See everyone's analyses",
            Permission::AnalysesRun => "Upload documents and run analyses",
            Permission::BillingRead => "See the token balance and purchases",
            Permission::BillingManage => "Buy token packs",
            Permission::MembersManage => "Invite, change and remove members",
            Permission::StoresManage => "Manage stores; see every store",
            Permission::SettingsManage => "Change company settings and roles",
            Permission::AuditRead => "Read and export the audit log",
        }
    }

    pub fn parse(key: &str) -> Option<Permission> {
        Permission::ALL.into_iter().find(|p| p.key() == key)
    }

    fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

/// A set of permissions (a bit per permission).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermissionSet(u32);

impl PermissionSet {
    pub const fn empty() -> Self {
        PermissionSet(0)
    }

    pub fn all() -> Self {
        Self::of(&Permission::ALL)
    }

    pub fn of(perms: &[Permission]) -> Self {
        PermissionSet(perms.iter().fold(0, |acc, p| acc | p.bit()))
    }

    pub fn contains(self, p: Permission) -> bool {
        self.0 & p.bit() != 0
    }

    /// True when every permission of `other` is in `self`.
    pub fn covers(self, other: PermissionSet) -> bool {
        self.0 & other.0 == other.0
    }

    /// The permissions in both sets.
    pub fn intersect(self, other: PermissionSet) -> Self {
        PermissionSet(self.0 & other.0)
    }

    pub fn iter(self) -> impl Iterator<Item = Permission> {
        Permission::ALL
            .into_iter()
            .filter(move |p| self.contains(*p))
    }

    /// The stored form: keys separated by spaces, in the canonical order.
    pub fn to_keys(self) -> String {
        self.iter()
            .map(Permission::key)
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Reads the stored form; unknown keys (from a newer version) are ignored.
    pub fn from_keys(s: &str) -> Self {
        let perms: Vec<Permission> = s.split_whitespace().filter_map(Permission::parse).collect();
        Self::of(&perms)
    }
}

/// A built-in role: its key (stored on memberships), name and permissions.
pub struct BuiltinRole {
    pub slug: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub permissions: &'static [Permission],
}

use Permission::*;

pub const OWNER: &str = "owner";
pub const ADMIN: &str = "admin";

pub const BUILTIN_ROLES: &[BuiltinRole] = &[
    BuiltinRole {
        slug: OWNER,
        name: "Owner",
        description: "Everything, including billing and other owners",
        permissions: &Permission::ALL,
    },
    BuiltinRole {
        slug: ADMIN,
        name: "Admin",
        description: "Everything except managing owners",
        permissions: &Permission::ALL,
    },
    BuiltinRole {
        slug: "manager",
        name: "Manager",
        description: "Orders, campaigns, the content studio and all analyses",
        permissions: &[
            OrdersRead,
            OrdersWrite,
            CampaignsRead,
            CampaignsManage,
            ContentWrite,
            AnalysesRead,
            AnalysesReadAll,
            AnalysesRun,
            BillingRead,
        ],
    },
    BuiltinRole {
        slug: "analyst",
        name: "Analyst",
        description: "Runs analyses and sees their own",
        permissions: &[AnalysesRead, AnalysesRun, CampaignsRead],
    },
    BuiltinRole {
        slug: "operator",
        name: "Operator",
        description: "Processes and ships orders",
        permissions: &[OrdersRead, OrdersWrite],
    },
    BuiltinRole {
        slug: "viewer",
        name: "Viewer",
        description: "Reads orders, campaigns and analyses",
        permissions: &[
            OrdersRead,
            CampaignsRead,
            AnalysesRead,
            AnalysesReadAll,
            BillingRead,
        ],
    },
];

pub fn builtin(slug: &str) -> Option<&'static BuiltinRole> {
    BUILTIN_ROLES.iter().find(|r| r.slug == slug)
}

/// Custom roles get keys that can never collide with a built-in one.
pub const CUSTOM_PREFIX: &str = "custom:";

/// Refuses unless `perms` holds `needed`.
pub fn require(perms: PermissionSet, needed: Permission) -> Result<()> {
    if perms.contains(needed) {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// Where a request came from, for the audit trail.
#[derive(Clone, Debug, Default)]
pub struct RequestMeta {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// The signed-in user in their active company, loaded once per request. Services that touch
/// tenant data take it: the tenant always comes from here, never from the request body.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Principal {
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    pub company_id: Uuid,
    pub company_name: String,
    pub timezone: String,
    /// The role's key on the membership (`admin`, `custom:packers`).
    pub role: String,
    pub role_name: String,
    pub permissions: PermissionSet,
    pub is_super_admin: bool,
    /// The company's token balance when the request began (read with the rest, so a page
    /// that shows it asks nothing more).
    #[serde(default)]
    pub balance: i64,
    /// How many companies the member works in (the switcher is only asked for when > 1).
    #[serde(default)]
    pub companies: i64,
    /// The company's rollup versions when the request began (the dashboard's cached figures
    /// are good while they match).
    #[serde(default)]
    pub rollups: RollupVersions,
    /// Whether the member sees every store, when `permissions` should not decide it: an API
    /// key's principal keeps its maker's view of the stores whatever scopes it was given (the
    /// scopes say what the key may do, not which stores it may see). None: `permissions` decide.
    #[serde(default)]
    pub all_stores: Option<bool>,
}

/// Counters the database raises in the transaction of any write that changes a company's
/// dashboard figures (migration 0029): `sales` (orders, stores, store access), `ads` (ad
/// figures and accounts, stores, store access), `company` (analyses, tokens).
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq, Hash)]
pub struct RollupVersions {
    pub sales: i64,
    pub ads: i64,
    pub company: i64,
}

impl Principal {
    /// Refuses (403) unless the member's role grants `needed`.
    pub fn authorize(&self, needed: Permission) -> Result<()> {
        require(self.permissions, needed)
    }

    pub fn is_owner(&self) -> bool {
        self.role == OWNER
    }

    /// Members who manage stores see every store; everyone else only those granted to them.
    pub fn sees_all_stores(&self) -> bool {
        self.all_stores
            .unwrap_or_else(|| self.permissions.contains(Permission::StoresManage))
    }

    /// The member whose granted stores bound a query, or None when they see every store.
    pub fn store_limit(&self) -> Option<uuid::Uuid> {
        (!self.sees_all_stores()).then_some(self.user_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_unknown_ones_are_ignored() {
        for p in Permission::ALL {
            assert_eq!(Permission::parse(p.key()), Some(p));
        }
        let set = PermissionSet::of(&[OrdersRead, AuditRead]);
        assert_eq!(set.to_keys(), "orders.read audit.read");
        assert_eq!(
            PermissionSet::from_keys("audit.read rockets.launch orders.read"),
            set
        );
        assert_eq!(PermissionSet::all().iter().count(), Permission::ALL.len());
    }

    #[test]
    fn builtin_roles_are_ordered_by_power() {
        let set = |slug| PermissionSet::of(builtin(slug).unwrap().permissions);
        assert!(set("owner").covers(set("admin")));
        assert!(set("admin").covers(set("manager")));
        assert!(set("manager").covers(set("operator")));
        assert!(set("manager").covers(set("viewer")));
        assert!(!set("viewer").contains(OrdersWrite));
        assert!(!set("analyst").contains(AnalysesReadAll));
        assert!(require(set("viewer"), MembersManage).is_err());
        assert!(require(set("admin"), MembersManage).is_ok());
    }
}
