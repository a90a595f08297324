//! Who a verified ID token is in Rapport: found by (issuer, subject); on a
//! first sign-in by verified email, then linked; else created, when the
//! provider allows, in the team, roles and managed teams its mapping rules
//! give. With the provider's `sync_mapping`, a known person's team, roles
//! and managed teams follow the mapping at every sign-in.

use super::flow::{Claims, Refused};
use super::providers::Provider;
use crate::domain::sso::{apply_rules, email_domain, parse_rules};
use crate::domain::Role;
use crate::domain::{Email, PersonName, Roles};
use crate::server::{accounts, now, AppState};
use sqlx::{Any, Transaction};

fn disabled() -> Refused {
    Refused("Your Rapport account is disabled. Ask your administrator if you need it back.".into())
}

/// The person's id; a known subject's sign-in time is recorded.
pub async fn person_for(state: &AppState, p: &Provider, c: &Claims) -> Result<i64, Refused> {
    let db = &state.db;
    let t = now();
    let linked: Option<(i64, i64)> = sqlx::query_as(
        "UPDATE sso_identities SET last_login_at = $3 WHERE issuer = $1 AND subject = $2 \
         RETURNING user_id, (SELECT disabled FROM users WHERE id = user_id)",
    )
    .bind(&c.issuer)
    .bind(&c.subject)
    .bind(t)
    .fetch_optional(&db.pool)
    .await?;
    if let Some((id, off)) = linked {
        if off != 0 {
            return Err(disabled());
        }
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
    let email = Email::parse(raw_email).map_err(|_| {
        Refused(format!(
            "{} sent an email address Rapport cannot use.",
            p.label
        ))
    })?;
    let domains = p.domain_list();
    let domain = email_domain(email.as_str()).unwrap_or_default();
    if !domains.is_empty() && !domains.contains(&domain.as_str()) {
        return Err(Refused(format!(
            "Addresses at {domain} may not sign in with {}. Use your work account, or ask your administrator.",
            p.label
        )));
    }
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
