//! Roles, the caller's area scope, and passwords.
//!
//! Scope is enforced where data is read: every query of personal data takes a `PersonalScope`
//! from the caller, so a handler cannot forget it.

use crate::error::{AppError, Result};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Sysadmin,
    CommuneAdmin,
    CommuneLeader,
    Finance,
    HamletHead,
    TeamMember,
    ProvinceViewer,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Sysadmin,
        Role::CommuneAdmin,
        Role::CommuneLeader,
        Role::Finance,
        Role::HamletHead,
        Role::TeamMember,
        Role::ProvinceViewer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Sysadmin => "sysadmin",
            Role::CommuneAdmin => "commune_admin",
            Role::CommuneLeader => "commune_leader",
            Role::Finance => "finance",
            Role::HamletHead => "hamlet_head",
            Role::TeamMember => "team_member",
            Role::ProvinceViewer => "province_viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Sysadmin => "Quản trị hệ thống",
            Role::CommuneAdmin => "Phòng Văn hóa – Xã hội",
            Role::CommuneLeader => "Lãnh đạo UBND xã",
            Role::Finance => "Phòng Kinh tế",
            Role::HamletHead => "Trưởng ấp",
            Role::TeamMember => "Thành viên Tổ CNSCĐ",
            Role::ProvinceViewer => "Sở Khoa học và Công nghệ",
        }
    }

    /// The roles whose accounts a commune admin manages, in the commune (PRODUCT.md §2).
    pub fn commune_managed(self) -> bool {
        matches!(
            self,
            Role::HamletHead | Role::TeamMember | Role::CommuneLeader | Role::Finance
        )
    }

    /// Roles that may hold API tokens for their scripts. Team members work in the field app,
    /// which uses the session; a token on a volunteer's phone would outlive a lost phone.
    pub fn uses_api(self) -> bool {
        self != Role::TeamMember
    }

    /// The area level an account of this role must be attached to.
    pub fn area_level(self) -> &'static [&'static str] {
        match self {
            Role::Sysadmin => &["province", "commune", "hamlet"],
            Role::CommuneAdmin | Role::CommuneLeader | Role::Finance => &["commune"],
            Role::HamletHead | Role::TeamMember => &["hamlet"],
            Role::ProvinceViewer => &["province"],
        }
    }
}

/// Where a caller may read personal data: a whole commune, or one hamlet of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PersonalScope {
    pub commune_id: i64,
    pub hamlet_id: Option<i64>,
    /// Only the households assigned to this member (a team member, when the commune
    /// turned assignment on).
    pub assigned_to: Option<i64>,
    /// Only residents who have not withdrawn their consent to be recorded: the hamlet's team
    /// no longer sees someone who withdrew (Law 91/2025); the commune office still does, to
    /// record a renewed consent or answer the person.
    pub consented_only: bool,
}

/// The logged-in account behind a request.
#[derive(Clone, Debug)]
pub struct Caller {
    pub account_id: i64,
    pub username: String,
    pub full_name: Option<String>,
    pub role: Role,
    pub area_id: i64,
    pub area_name: String,
    pub area_level: String,
    /// The commune the account belongs to (none for province and sysadmin accounts).
    pub commune_id: Option<i64>,
    pub csrf_token: String,
    /// The team member this account is (hamlet heads and team members), for crediting help.
    pub member_id: Option<i64>,
    /// The commune assigns households to members, so a team member sees only theirs.
    pub assignment_on: bool,
    /// Logged in with a temporary password (new account, reset): nothing but changing it.
    pub must_change_password: bool,
}

impl Caller {
    /// Personal data (names, IDs, phones, birth dates) never leaves the commune; province
    /// viewers, finance and the operator see aggregates only.
    pub fn personal_scope(&self) -> Option<PersonalScope> {
        let commune_id = self.commune_id?;
        match self.role {
            Role::CommuneAdmin | Role::CommuneLeader => Some(PersonalScope {
                commune_id,
                hamlet_id: None,
                assigned_to: None,
                consented_only: false,
            }),
            Role::HamletHead => Some(PersonalScope {
                commune_id,
                hamlet_id: Some(self.area_id),
                assigned_to: None,
                consented_only: true,
            }),
            // A member not linked to a member record has nothing assigned: id 0 matches no row.
            Role::TeamMember => Some(PersonalScope {
                commune_id,
                hamlet_id: Some(self.area_id),
                assigned_to: self.assignment_on.then(|| self.member_id.unwrap_or(0)),
                consented_only: true,
            }),
            Role::Finance | Role::ProvinceViewer | Role::Sysadmin => None,
        }
    }

    pub fn require_personal(&self) -> Result<PersonalScope> {
        self.personal_scope().ok_or(AppError::Forbidden)
    }

    /// May create, edit and deactivate households and residents in the given hamlet.
    pub fn can_edit_residents(&self, commune_id: i64, hamlet_id: i64) -> bool {
        match self.role {
            Role::CommuneAdmin => self.commune_id == Some(commune_id),
            Role::HamletHead => self.commune_id == Some(commune_id) && self.area_id == hamlet_id,
            _ => false,
        }
    }

    /// May record service statuses for residents in the given hamlet.
    pub fn can_record_services(&self, commune_id: i64, hamlet_id: i64) -> bool {
        self.can_edit_residents(commune_id, hamlet_id)
            || (self.role == Role::TeamMember
                && self.commune_id == Some(commune_id)
                && self.area_id == hamlet_id)
    }

    /// May edit the team (and its members) attached to the given area.
    pub fn can_edit_team(&self, commune_id: i64, team_area_id: i64) -> bool {
        match self.role {
            Role::CommuneAdmin => self.commune_id == Some(commune_id),
            Role::HamletHead => self.commune_id == Some(commune_id) && self.area_id == team_area_id,
            _ => false,
        }
    }

    /// May see the accounts page: the operator (every account) and the commune admin (the
    /// commune's).
    pub fn may_list_accounts(&self) -> bool {
        match self.role {
            Role::Sysadmin => true,
            Role::CommuneAdmin => self.commune_id.is_some(),
            _ => false,
        }
    }

    /// May create, change, reset or deactivate an account of `role` in `commune_id` (none: a
    /// province-level account). Never one's own account this way: that is the own-account page.
    pub fn may_manage_account(&self, role: Role, commune_id: Option<i64>) -> bool {
        match self.role {
            Role::Sysadmin => true,
            Role::CommuneAdmin => {
                role.commune_managed() && commune_id.is_some() && commune_id == self.commune_id
            }
            _ => false,
        }
    }

    pub fn can_edit_areas(&self, commune_id: i64) -> bool {
        self.role == Role::CommuneAdmin && self.commune_id == Some(commune_id)
    }

    /// Phone numbers in a file someone downloads (a list to print, to Excel) are full only in
    /// the commune admin's: a file travels further than a screen (PRODUCT.md §8).
    pub fn exports_full_phone(&self, hamlet_id: i64) -> bool {
        self.role == Role::CommuneAdmin && self.sees_full_phone(hamlet_id)
    }

    /// Phone numbers are shown in full only to the resident's own hamlet team and the commune
    /// admin, who coordinates the teams; masked for everyone else, the commune leader included
    /// (PRODUCT.md §8).
    pub fn sees_full_phone(&self, hamlet_id: i64) -> bool {
        match self.role {
            Role::CommuneAdmin => true,
            Role::HamletHead | Role::TeamMember => self.area_id == hamlet_id,
            _ => false,
        }
    }
}

pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("argon2: {e}")))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A random URL-safe token of 32 bytes.
pub fn random_token() -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn sha256_hex(s: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(s.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
