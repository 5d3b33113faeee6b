use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use kernel::{ContextExt, Role, RoleGuard, parse_id, write};
use tenancy::graphql::CurrentTenant;

use super::{AuthPayload, Device, IdentitySettings, LoginAlertPreferences, SignUpResult, User};
use crate::entity::login_link::LinkPurpose;
use crate::service::sessions::{self, SignInOutcome, SignedIn};
use crate::service::two_factor::{self, Factor};
use crate::service::{alerts, devices, links, password, throttle, users};

#[derive(InputObject)]
pub struct SignUpInput {
    pub email: String,
    /// At least 10 characters.
    pub password: String,
    pub display_name: String,
}

#[derive(InputObject)]
pub struct SignInInput {
    pub email: String,
    pub password: String,
}

#[derive(InputObject)]
pub struct CreateUserInput {
    pub email: String,
    pub display_name: String,
    /// Admins grant CLIENT, WRITER, EDITOR, SUPPORT; superadmins ADMIN too.
    pub role: Role,
    pub password: String,
}

#[derive(InputObject)]
pub struct ChangePasswordInput {
    pub current_password: String,
    pub new_password: String,
}

#[derive(Default)]
pub struct IdentityMutation;

fn settings(ctx: &Context<'_>) -> IdentitySettings {
    ctx.data_opt::<IdentitySettings>().cloned().unwrap_or_default()
}

/// Hands a new session to the browser as a cookie too, and returns the payload; or the
/// second-factor challenge.
fn signed_in(ctx: &Context<'_>, outcome: SignInOutcome) -> AuthPayload {
    match outcome {
        SignInOutcome::Signed(signed) => session_payload(ctx, *signed),
        SignInOutcome::SecondFactor(challenge) => {
            AuthPayload { token: None, user: None, two_factor_challenge: Some(challenge) }
        }
    }
}

fn session_payload(ctx: &Context<'_>, signed: SignedIn) -> AuthPayload {
    let settings = settings(ctx);
    ctx.append_http_header("Set-Cookie", settings.cookie(&signed.token));
    ctx.append_http_header("Set-Cookie", settings.device_cookie(&signed.device_cookie));
    AuthPayload { token: Some(signed.token), user: Some(User::from(signed.user)), two_factor_challenge: None }
}

/// What `beginTwoFactorEnrollment` answers: scan `qrSvg` (or open `uri`, or type `secret`) into
/// an authenticator app, then confirm with a code it shows.
#[derive(SimpleObject)]
pub struct TwoFactorEnrollment {
    /// Base32, for typing in.
    pub secret: String,
    /// `otpauth://totp/...`
    pub uri: String,
    /// The URI as a QR code, an SVG document.
    pub qr_svg: String,
}

#[Object]
impl IdentityMutation {
    /// Creates a CLIENT account where the tenant allows registration; then sign in with
    /// `signIn`. The answer is the same whether the address was free or already had an account
    /// (nothing is created then), so sign-up does not reveal who has an account. At most 20
    /// sign-ups an hour from one address. Closed where the site or the installation closed it.
    async fn sign_up(&self, ctx: &Context<'_>, input: SignUpInput) -> Result<SignUpResult> {
        let request = ctx.request();
        let tenant = request.tenant()?;
        let site_allows =
            ctx.data_opt::<CurrentTenant>().and_then(|c| c.0.as_ref()).is_some_and(|t| t.allow_registration);
        // the installation's switch closes every site's sign-ups at once
        let installation_allows =
            ctx.data::<std::sync::Arc<tenancy::SystemState>>()?.settings().await?.registration_open;
        let allow = site_allows && installation_allows;
        throttle::sign_up(&request.db, request, tenant.id).await?;
        let prepared = users::prepare(&input.email, &input.display_name, Role::Client, &input.password).await?;
        write(request, async |txn| users::sign_up(txn, tenant, allow, prepared, request.now()).await).await?;
        Ok(SignUpResult { message: users::SIGN_UP_ANSWER.to_owned() })
    }

    /// Signs in under this tenant (superadmins under any host). Five failures of one account
    /// (or twenty from one address) within 15 minutes answer `RATE_LIMITED`.
    async fn sign_in(&self, ctx: &Context<'_>, input: SignInInput) -> Result<AuthPayload> {
        let request = ctx.request();
        let signed = sessions::sign_in(&request.db, request, &input.email, &input.password, &settings(ctx)).await?;
        Ok(signed_in(ctx, signed))
    }

    /// E-mails a link to choose a new password (30 minutes, once) to the account with this
    /// address on this site, if there is one; answers the same either way. Three requests an hour
    /// for an address, ten from a client address (`RATE_LIMITED`). Toggle `passwordReset`.
    async fn request_password_reset(&self, ctx: &Context<'_>, email: String) -> Result<String> {
        let request = ctx.request();
        let public_url = settings(ctx).public_url;
        write(request, async |txn| links::request(txn, request, LinkPurpose::PasswordReset, &email, &public_url).await)
            .await?;
        Ok(links::REQUEST_ANSWER.to_owned())
    }

    /// Sets a new password with the token of a reset link; every session of the account ends and
    /// its owner is told by e-mail. A used, expired or other site's token is `BAD_USER_INPUT` on
    /// `token`, and changes nothing.
    async fn reset_password(&self, ctx: &Context<'_>, token: String, new_password: String) -> Result<bool> {
        let request = ctx.request();
        // an unknown token costs a lookup, not a password hash
        links::is_live(&request.db, request, LinkPurpose::PasswordReset, &token).await?;
        password::check_strength("newPassword", &new_password)?;
        let hash = password::hash(&new_password).await?;
        write(request, async |txn| links::reset_password(txn, request, &token, hash).await).await?;
        Ok(true)
    }

    /// E-mails a sign-in link (15 minutes, once) to the account with this address on this site,
    /// if there is one; answers the same either way, under the same limits as
    /// `requestPasswordReset`. Toggle `magicLinkLogin`.
    async fn request_magic_link(&self, ctx: &Context<'_>, email: String) -> Result<String> {
        let request = ctx.request();
        let public_url = settings(ctx).public_url;
        write(request, async |txn| links::request(txn, request, LinkPurpose::MagicLink, &email, &public_url).await)
            .await?;
        Ok(links::REQUEST_ANSWER.to_owned())
    }

    /// Signs in with the token of a magic link: what `signIn` answers.
    async fn sign_in_with_magic_link(&self, ctx: &Context<'_>, token: String) -> Result<AuthPayload> {
        let request = ctx.request();
        let settings = settings(ctx);
        let signed = write(request, async |txn| links::sign_in(txn, request, &token, &settings).await).await?;
        Ok(signed_in(ctx, signed))
    }

    /// Starts enrolling an authenticator app for two-factor sign-in (again, if an enrolment was
    /// left unconfirmed). `CONFLICT` when two-factor is on already.
    async fn begin_two_factor_enrollment(&self, ctx: &Context<'_>) -> Result<TwoFactorEnrollment> {
        let request = ctx.request();
        let e = write(request, async |txn| two_factor::begin(txn, request).await).await?;
        Ok(TwoFactorEnrollment { secret: e.secret, uri: e.uri, qr_svg: e.qr_svg })
    }

    /// Turns two-factor sign-in on with a code from the app; answers 10 single-use recovery codes
    /// (shown this once: keep them). A wrong code is `BAD_USER_INPUT` on `code`; five wrong
    /// codes in 15 minutes answer `RATE_LIMITED`.
    async fn confirm_two_factor_enrollment(&self, ctx: &Context<'_>, code: String) -> Result<Vec<String>> {
        let request = ctx.request();
        Ok(two_factor::confirm(&request.db, request, &code).await?)
    }

    /// Completes a sign-in that answered a `twoFactorChallenge`, with a code from the app or one
    /// of the recovery codes (exactly one). A code is never accepted twice. Five wrong tries end
    /// the challenge (`RATE_LIMITED`); an unknown, used or expired one is `UNAUTHENTICATED`.
    async fn verify_second_factor(
        &self,
        ctx: &Context<'_>,
        challenge: String,
        code: Option<String>,
        recovery_code: Option<String>,
    ) -> Result<AuthPayload> {
        let request = ctx.request();
        let factor = match (code.as_deref(), recovery_code.as_deref()) {
            (Some(code), None) => Factor::Code(code),
            (None, Some(recovery)) => Factor::Recovery(recovery),
            _ => return Err(kernel::AppError::bad_input("code", "give a code or a recovery code (one of them)").into()),
        };
        let signed = two_factor::verify(&request.db, request, &challenge, factor, &settings(ctx)).await?;
        Ok(session_payload(ctx, signed))
    }

    /// Turns the viewer's two-factor sign-in off, with their password and a current code.
    async fn disable_two_factor(&self, ctx: &Context<'_>, password: String, code: String) -> Result<bool> {
        let request = ctx.request();
        two_factor::disable(&request.db, request, &password, &code).await?;
        Ok(true)
    }

    /// Turns a user's two-factor sign-in off (a lost phone): admins for their site's users,
    /// superadmins for anyone's. Audited; the user is told by e-mail.
    #[graphql(guard = "RoleGuard::new(&[Role::Admin, Role::Superadmin])")]
    async fn reset_two_factor(&self, ctx: &Context<'_>, user_id: ID) -> Result<User> {
        let request = ctx.request();
        let id = parse_id("userId", &user_id)?;
        let user = write(request, async |txn| two_factor::reset(txn, request, id).await).await?;
        Ok(User::from(user))
    }

    /// Ends the current session.
    async fn sign_out(&self, ctx: &Context<'_>) -> Result<bool> {
        let request = ctx.request();
        write(request, async |txn| sessions::sign_out(txn, request).await).await?;
        ctx.append_http_header("Set-Cookie", settings(ctx).expired_cookie());
        Ok(true)
    }

    /// Changes the viewer's password and ends their other sessions. A wrong current password
    /// counts as a failed sign-in of the account (same limits).
    async fn change_password(&self, ctx: &Context<'_>, input: ChangePasswordInput) -> Result<bool> {
        let request = ctx.request();
        let hash =
            users::prepare_password_change(&request.db, request, &input.current_password, &input.new_password).await?;
        write(request, async |txn| users::change_password(txn, request, hash).await).await?;
        Ok(true)
    }

    /// Ends one of the viewer's own sessions.
    async fn revoke_session(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        write(request, async |txn| sessions::revoke(txn, request, id).await).await?;
        Ok(true)
    }

    /// Names one of the viewer's devices (1 to 60 characters); another user's is `NOT_FOUND`.
    async fn rename_device(&self, ctx: &Context<'_>, id: ID, name: String) -> Result<Device> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        let device = write(request, async |txn| devices::rename(txn, request, id, &name).await).await?;
        Device::load_one(ctx, device).await
    }

    /// Forgets one of the viewer's devices and ends its sessions (this one too, if it is this
    /// device); signing in from it again counts as a new device.
    async fn forget_device(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let request = ctx.request();
        let id = parse_id("id", &id)?;
        write(request, async |txn| devices::forget(txn, request, id).await).await?;
        Ok(true)
    }

    /// Which sign-ins the viewer is alerted of, and how; what is left out stays.
    async fn update_login_alert_preferences(
        &self,
        ctx: &Context<'_>,
        input: alerts::LoginAlertsChange,
    ) -> Result<LoginAlertPreferences> {
        let request = ctx.request();
        Ok(write(request, async |txn| alerts::update(txn, request, input).await).await?.into())
    }

    /// "This wasn't me": the token of a sign-in alert's link ends the session the alert told of
    /// and, where the site offers password resets, e-mails a reset link. Works once, for 7 days;
    /// a used, expired or other site's token is `BAD_USER_INPUT` on `token` and changes nothing.
    async fn report_unrecognized_sign_in(&self, ctx: &Context<'_>, token: String) -> Result<bool> {
        let request = ctx.request();
        let public_url = settings(ctx).public_url;
        write(request, async |txn| links::not_me(txn, request, &token, &public_url).await).await?;
        Ok(true)
    }

    /// Ends every session of the viewer but this one; returns how many ended.
    async fn revoke_other_sessions(&self, ctx: &Context<'_>) -> Result<u64> {
        let request = ctx.request();
        Ok(write(request, async |txn| sessions::revoke_others(txn, request).await).await?)
    }

    /// Creates a user of the tenant with a role below the caller's.
    #[graphql(guard = "RoleGuard::new(&[Role::Admin, Role::Superadmin])")]
    async fn create_user(&self, ctx: &Context<'_>, input: CreateUserInput) -> Result<User> {
        let request = ctx.request();
        users::authorize_grant(request, input.role)?;
        let prepared = users::prepare(&input.email, &input.display_name, input.role, &input.password).await?;
        let user = write(request, async |txn| users::create_staff(txn, request, prepared).await).await?;
        Ok(User::from(user))
    }
}
