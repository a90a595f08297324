//! Who a verified ID token is in Rapport: found by (issuer, subject); on a
//! first sign-in by verified email, then linked; else created, when the
//! provider allows, in the team, roles and managed teams its mapping rules
//! give. With the provider's `sync_mapping`, a known person's team, roles
//! and managed teams follow the mapping at every sign-in.
//!
//! A domain that a provider lists signs in through that provider only, at
//! every sign-in (also of a person linked before the domain was listed); a
//! provider with no list signs in the domains no provider lists. An address
//! the provider did not say it verified (a provider whose addresses the
//! admin trusts) may create a person, never take over an existing account.

use super::flow::{Claims, Refused};
use super::providers::Provider;
use crate::domain::sso::{apply_rules, email_domain, parse_rules, provider_address};
use crate::domain::Role;
use crate::domain::{Email, PersonName, Roles};
use crate::server::{accounts, now, AppState};
use sqlx::{Any, Transaction};

fn disabled() -> Refused {
    Refused("Your Rapport account is disabled. Ask your administrator if you need it back.".into())
}

/// May `p` sign in an address at `domain`? Only the provider that lists
/// the domain may; a provider with a list, only its domains; one without,
/// the domains nobody lists.
async fn may_sign_in(state: &AppState, p: &Provider, domain: &str) -> Result<(), Refused> {
    let owner = super::providers::for_domain(&state.db, domain).await?;
    match owner {
        Some(o) if o.id != p.id => Err(Refused(format!(
            "Addresses at {domain} sign in with {}, not with {}. Use that button, or ask your administrator.",
            o.label, p.label
        ))),
        None if !p.domain_list().is_empty() => Err(Refused(format!(
            "Addresses at {domain} may not sign in with {}. Use your work account, or ask your administrator.",
            p.label
        ))),
        _ => Ok(()),
    }
}

/// The person's id; a known subject's sign-in time is recorded.
pub async fn person_for(state: &AppState, p: &Provider, c: &Claims) -> Result<i64, Refused> {
    let db = &state.db;
    let t = now();
    let linked: Option<(i64, i64, String)> = sqlx::query_as(
        "UPDATE sso_identities SET last_login_at = $3 WHERE issuer = $1 AND subject = $2 \
         RETURNING user_id, (SELECT disabled FROM users WHERE id = user_id), (SELECT email FROM users WHERE id = user_id)",
    )
    .bind(&c.issuer)
    .bind(&c.subject)
    .bind(t)
    .fetch_optional(&db.pool)
    .await?;
    if let Some((id, off, account_email)) = linked {
        if off != 0 {
            return Err(disabled());
        }
        // The account's domain may have been given to another provider
        // since this identity was linked.
        may_sign_in(state, p, &email_domain(&account_email).unwrap_or_default()).await?;
        if p.sync_mapping != 0 {
            let _turn = state.db.write_turn().await;
            let mut tx = db.begin_write().await?;
            follow(&mut tx, p, c, id).await?;
            tx.commit().await?;
        }
        return Ok(id);
    }
    let Some(raw_email) = c.email.as_deref() else {
        return Err(Refused(format!(
            "{} did not tell Rapport your email address, so your account could not be found. Your administrator should allow the email claim.",
            p.label
        )));
    };
    let cannot_use = |why: &str| {
        Refused(format!(
            "{} sent an email address Rapport cannot use ({why}). Ask your administrator.",
            p.label
        ))
    };
    let folded = provider_address(raw_email).map_err(|why| cannot_use(&why))?;
    let email = Email::parse(&folded).map_err(|_| cannot_use("not an email address"))?;
    let domain = email_domain(email.as_str()).unwrap_or_default();
    may_sign_in(state, p, &domain).await?;
    if !c.email_verified && p.trust_email == 0 {
        return Err(Refused(format!(
            "{} has not verified your email address, so Rapport cannot match it to an account. Verify it there and try again.",
            p.label
        )));
    }
    let _turn = db.write_turn().await;
    let mut tx = db.begin_write().await?;
    // Read inside the transaction: two first sign-ins of one person at once
    // find, or create, the same account.
    let existing: Option<(i64, i64)> =
        sqlx::query_as("SELECT id, disabled FROM users WHERE email = $1")
            .bind(email.as_str())
            .fetch_optional(&mut *tx)
            .await?;
    let id = match existing {
        Some((_, off)) if off != 0 => return Err(disabled()),
        // A trusted provider's unverified address (Entra ID's `email` is
        // whatever the user's profile says) may create a person, never
        // take over someone's account.
        Some(_) if !c.email_verified => {
            return Err(Refused(format!(
                "{} did not say it verified {}, and an account with that address exists, so Rapport will not sign you in to it. Ask your administrator.",
                p.label,
                email.as_str()
            )))
        }
        Some((id, _)) => {
            if p.sync_mapping != 0 {
                follow(&mut tx, p, c, id).await?;
            }
            id
        }
        None if p.allow_create == 0 => {
            return Err(Refused(format!(
                "There is no Rapport account for {}. Ask your administrator to add you.",
                email.as_str()
            )))
        }
        None => {
            let Mapping {
                team,
                mut roles,
                manages,
            } = mapped(&mut tx, p, c).await?;
            let team = team.or(p.default_team_id);
            if roles.is_empty() {
                roles.push(p.default_role());
            }
            let local = email.as_str().split('@').next().unwrap_or("");
            let name = c
                .name
                .as_deref()
                .and_then(|n| PersonName::parse(n).ok())
                .or_else(|| PersonName::parse(local).ok())
                .ok_or_else(|| Refused("Your name from the provider cannot be used.".into()))?;
            let id = accounts::insert_user(&mut tx, &email, &name, None, team, &Roles::new(roles))
                .await?;
            accounts::set_managed_teams(&mut tx, id, &manages.unwrap_or_default()).await?;
            accounts::audit(&mut tx, None, "user.created.sso", email.as_str()).await?;
            id
        }
    };
    // Link: the next sign-in finds the person by the provider's subject,
    // even after the address changes.
    sqlx::query(
        "INSERT INTO sso_identities (issuer, subject, user_id, provider_id, created_at, last_login_at) \
         VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (issuer, subject) DO NOTHING",
    )
    .bind(&c.issuer)
    .bind(&c.subject)
    .bind(id)
    .bind(p.id)
    .bind(t)
    .execute(&mut *tx)
    .await?;
    accounts::audit(&mut tx, Some(id), "sso.linked", &p.label).await?;
    tx.commit().await?;
    Ok(id)
}

/// What the provider's mapping gives for these claims, with the teams it
/// names that exist.
struct Mapping {
    team: Option<i64>,
    roles: Vec<Role>,
    /// `None`: the rules say nothing about managed teams.
    manages: Option<Vec<i64>>,
}

async fn mapped(
    tx: &mut Transaction<'_, Any>,
    p: &Provider,
    c: &Claims,
) -> Result<Mapping, Refused> {
    let rules = parse_rules(&p.map_rules).unwrap_or_default();
    let m = apply_rules(&rules, &c.mapped);
    let mut team = None;
    if let Some(name) = m.team {
        team = team_id(tx, name).await?;
    }
    let mut manages = None;
    if let Some(names) = m.manages {
        let mut ids = Vec::with_capacity(names.len());
        for name in names {
            ids.extend(team_id(tx, name).await?);
        }
        manages = Some(ids);
    }
    Ok(Mapping {
        team,
        roles: m.roles,
        manages,
    })
}

async fn team_id(tx: &mut Transaction<'_, Any>, name: &str) -> Result<Option<i64>, Refused> {
    Ok(sqlx::query_scalar("SELECT id FROM teams WHERE name = $1")
        .bind(name)
        .fetch_optional(&mut **tx)
        .await?)
}

/// A known person's team, roles and managed teams follow the mapping
/// (nothing changes where no rule matches).
async fn follow(
    tx: &mut Transaction<'_, Any>,
    p: &Provider,
    c: &Claims,
    id: i64,
) -> Result<(), Refused> {
    let m = mapped(tx, p, c).await?;
    if m.team.is_none() && m.roles.is_empty() {
        return Ok(());
    }
    let roles = (!m.roles.is_empty()).then(|| Roles::new(m.roles));
    accounts::follow_mapping(tx, id, m.team, roles, m.manages.as_deref()).await?;
    Ok(())
}
