//! Who may do what in a group, as plain functions of the roles involved: no database, no
//! I/O, so every rule is tested on its own. [`super::groups`] reads the roles under the
//! conversation's lock and asks these before it writes anything.

use super::{Error, Result};
use db::groups::{ADMIN, MEMBER, OWNER};

/// A member's role. The database's text is read with [`Role::of`]; anything unknown is
/// treated as a plain member (the least it could be).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Owner,
    Admin,
    Member,
}

impl Role {
    pub fn of(role: &str) -> Self {
        match role {
            OWNER => Self::Owner,
            ADMIN => Self::Admin,
            _ => Self::Member,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => OWNER,
            Self::Admin => ADMIN,
            Self::Member => MEMBER,
        }
    }

    /// Owners and admins manage the group (members, fields).
    pub fn manages(self) -> bool {
        self != Self::Member
    }

    /// May act on `target` (remove, mute): the owner on anyone, an admin on members only.
    fn outranks(self, target: Role) -> bool {
        match self {
            Self::Owner => true,
            Self::Admin => target == Self::Member,
            Self::Member => false,
        }
    }
}

pub fn may_add(actor: Role) -> Result<()> {
    allow(actor.manages(), "only the owner and admins add members")
}

pub fn may_edit(actor: Role) -> Result<()> {
    allow(actor.manages(), "only the owner and admins edit the group")
}

/// Removing someone else (leaving is always allowed).
pub fn may_remove(actor: Role, target: Role) -> Result<()> {
    allow(
        actor.outranks(target),
        "you may not remove this member (admins remove members only)",
    )
}

/// Muting or unmuting someone; nobody mutes themselves.
pub fn may_mute(actor: Role, target: Role, is_self: bool) -> Result<()> {
    allow(
        !is_self && actor.outranks(target),
        "you may not mute this member (admins mute members only)",
    )
}

pub fn may_change_roles(actor: Role) -> Result<()> {
    allow(actor == Role::Owner, "only the owner changes roles")
}

/// The role a role change asks for: `admin` or `member` (ownership moves by transfer).
pub fn requested_role(role: &str) -> Result<Role> {
    match role {
        ADMIN => Ok(Role::Admin),
        MEMBER => Ok(Role::Member),
        _ => Err(Error::invalid("role", "must be \"admin\" or \"member\"")),
    }
}

/// Whose role a role change may touch: not the owner's.
pub fn may_change_role_of(target: Role) -> Result<()> {
    if target == Role::Owner {
        return Err(Error::invalid(
            "user_id",
            "the owner's role changes only by transferring ownership",
        ));
    }
    Ok(())
}

pub fn may_transfer(actor: Role) -> Result<()> {
    allow(actor == Role::Owner, "only the owner transfers ownership")
}

/// Whether `adding` more members fit beside `current` under the limit.
pub fn fits(current: usize, adding: usize, max_members: usize) -> Result<()> {
    if current + adding > max_members {
        return Err(Error::invalid(
            "user_ids",
            format!("a group has at most {max_members} members"),
        ));
    }
    Ok(())
}

fn allow(allowed: bool, why: &str) -> Result<()> {
    if allowed {
        Ok(())
    } else {
        Err(Error::forbidden(why))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Role::*;

    const ALL: [Role; 3] = [Owner, Admin, Member];

    fn forbidden(r: Result<()>) -> bool {
        matches!(r, Err(Error::Forbidden(_)))
    }

    #[test]
    fn roles_read_from_the_database_text_and_unknown_means_least() {
        for role in ALL {
            assert_eq!(Role::of(role.as_str()), role);
        }
        assert_eq!(Role::of("superuser"), Member);
        assert_eq!(Role::of(""), Member);
    }

    #[test]
    fn only_managers_add_and_edit() {
        for role in ALL {
            assert_eq!(may_add(role).is_ok(), role != Member, "{role:?} adds");
            assert_eq!(may_edit(role).is_ok(), role != Member, "{role:?} edits");
        }
        assert!(forbidden(may_add(Member)));
    }

    #[test]
    fn removal_and_muting_follow_rank() {
        // (actor, target) → allowed
        let expected = [
            (Owner, Owner, true),
            (Owner, Admin, true),
            (Owner, Member, true),
            (Admin, Owner, false),
            (Admin, Admin, false),
            (Admin, Member, true),
            (Member, Owner, false),
            (Member, Admin, false),
            (Member, Member, false),
        ];
        for (actor, target, allowed) in expected {
            assert_eq!(
                may_remove(actor, target).is_ok(),
                allowed,
                "{actor:?} removes {target:?}"
            );
            assert_eq!(
                may_mute(actor, target, false).is_ok(),
                allowed,
                "{actor:?} mutes {target:?}"
            );
            assert!(forbidden(may_mute(actor, target, true)), "self-mute");
        }
    }

    #[test]
    fn only_the_owner_changes_roles_and_never_their_own_by_a_role_change() {
        assert!(may_change_roles(Owner).is_ok());
        assert!(forbidden(may_change_roles(Admin)));
        assert!(forbidden(may_change_roles(Member)));
        assert_eq!(requested_role("admin").ok(), Some(Admin));
        assert_eq!(requested_role("member").ok(), Some(Member));
        for bad in ["owner", "Admin", "", "root"] {
            let err = requested_role(bad).expect_err(bad);
            assert_eq!(err.field_name(), Some("role"));
        }
        let err = may_change_role_of(Owner).expect_err("owner's role");
        assert_eq!(err.field_name(), Some("user_id"));
        assert!(may_change_role_of(Admin).is_ok());
        assert!(may_change_role_of(Member).is_ok());
    }

    #[test]
    fn only_the_owner_transfers() {
        assert!(may_transfer(Owner).is_ok());
        assert!(forbidden(may_transfer(Admin)));
        assert!(forbidden(may_transfer(Member)));
    }

    #[test]
    fn the_member_limit_counts_current_plus_new() {
        assert!(fits(0, 3, 3).is_ok());
        assert!(fits(2, 1, 3).is_ok());
        let err = fits(2, 2, 3).expect_err("over");
        assert_eq!(err.field_name(), Some("user_ids"));
        assert!(err.to_string().contains("at most 3 members"), "{err}");
    }
}
