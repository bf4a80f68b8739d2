//! The JSON shapes of the API. Only the server knows them; the store's types
//! are converted here so that a column rename never changes the API silently.

use mudou_domain::{CentreId, OrgId, Role, Scope, SkillLevel};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The body of every error response.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong. Some refusals add fields of their own beside these (`field`: the
/// request field at fault; `attempts_left`; `retry_after_s`; `state`: an order's state).
#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code; each is always answered with the same HTTP status
    /// (see the `ErrorCode` schema).
    pub code: mudou_domain::ErrorCode,
    /// Human-readable explanation (English).
    pub message: String,
}

#[derive(Serialize, ToSchema)]
pub struct Items<T> {
    pub items: Vec<T>,
}

#[derive(Serialize, ToSchema)]
pub struct UserOut {
    pub id: i64,
    pub username: Option<String>,
    pub display_name: String,
    pub role: Role,
    pub centre_id: Option<i64>,
    pub org_id: Option<i64>,
    pub skill_level: Option<SkillLevel>,
    pub photo_url: Option<String>,
    pub disabled: bool,
    /// Always null: accounts no longer lock (wrong attempts are throttled instead; kept
    /// for older clients).
    pub locked_until: Option<i64>,
}

impl From<mudou_store::User> for UserOut {
    fn from(u: mudou_store::User) -> Self {
        UserOut {
            id: u.id.get(),
            username: u.username,
            display_name: u.display_name,
            role: u.role,
            centre_id: u.centre_id.map(CentreId::get),
            org_id: u.org_id.map(OrgId::get),
            skill_level: u.skill_level,
            photo_url: u.photo_url,
            disabled: u.disabled,
            locked_until: u.locked_until,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SessionOut {
    pub user: UserOut,
    /// The lead's or annotator's centre.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub centre: Option<CentreRef>,
    /// The client's organisation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org: Option<OrgOut>,
}

impl SessionOut {
    /// The user with the names of their centre or organisation.
    pub async fn load(
        store: &mudou_store::Store,
        user: mudou_store::User,
    ) -> Result<SessionOut, mudou_store::StoreError> {
        let centre = match user.centre_id {
            Some(id) => store.get_centre(id).await.map(|c| {
                Some(CentreRef {
                    id: c.id,
                    name: c.name,
                })
            })?,
            None => None,
        };
        let org = match user.org_id {
            Some(id) => Some(store.get_org(id).await?.into()),
            None => None,
        };
        Ok(SessionOut {
            user: user.into(),
            centre,
            org,
        })
    }
}

#[derive(Serialize, ToSchema)]
pub struct CentreOut {
    pub id: i64,
    pub name: String,
    pub county: String,
    pub province: String,
    pub timezone: String,
    /// The local minimum hourly wage in fen (`null`: no floor set).
    pub min_hourly_wage_fen: Option<i64>,
    /// What publishing an order expected to pay under the floor does.
    pub wage_policy: mudou_domain::wage::WagePolicy,
}

impl From<mudou_store::Centre> for CentreOut {
    fn from(c: mudou_store::Centre) -> Self {
        CentreOut {
            id: c.id,
            name: c.name,
            county: c.county,
            province: c.province,
            timezone: c.timezone,
            min_hourly_wage_fen: c.min_hourly_wage_fen,
            wage_policy: mudou_domain::wage::WagePolicy::parse(&c.wage_policy),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CentreRef {
    pub id: i64,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct OrgOut {
    pub id: i64,
    pub name: String,
}

impl From<mudou_store::Org> for OrgOut {
    fn from(o: mudou_store::Org) -> Self {
        OrgOut {
            id: o.id,
            name: o.name,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DeviceOut {
    pub id: i64,
    pub name: String,
    pub centre_id: i64,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub revoked: bool,
}

impl From<mudou_store::Device> for DeviceOut {
    fn from(d: mudou_store::Device) -> Self {
        DeviceOut {
            id: d.id,
            name: d.name,
            centre_id: d.centre_id,
            created_at: d.created_at,
            last_seen_at: d.last_seen_at,
            revoked: d.revoked_at.is_some(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DeviceBrief {
    pub id: i64,
    pub name: String,
}

/// What this browser is: an enrolled centre device or not.
#[derive(Serialize, ToSchema)]
pub struct DeviceStatus {
    pub enrolled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<DeviceBrief>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub centre: Option<CentreRef>,
}

#[derive(Serialize, ToSchema)]
pub struct RosterEntry {
    pub id: i64,
    pub display_name: String,
    pub photo_url: Option<String>,
    /// Must wait on this device after repeated wrong PINs; a lead can clear it with a new PIN.
    pub locked: bool,
}

#[derive(Serialize, ToSchema)]
pub struct Roster {
    pub centre: CentreRef,
    pub annotators: Vec<RosterEntry>,
}

#[derive(Serialize, ToSchema)]
pub struct TokenOut {
    pub id: i64,
    pub name: String,
    /// The first characters of the token, to tell tokens apart.
    pub prefix: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked: bool,
    /// What the token may do.
    pub scopes: Vec<Scope>,
    /// Unix ms; from then on the token is refused with 401 `token_expired`.
    pub expires_at: i64,
}

impl From<mudou_store::ApiToken> for TokenOut {
    fn from(t: mudou_store::ApiToken) -> Self {
        TokenOut {
            id: t.id,
            name: t.name,
            prefix: t.prefix,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            revoked: t.revoked_at.is_some(),
            scopes: crate::auth::parse_scopes(&t.scopes),
            expires_at: t.expires_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct NewTokenOut {
    pub token: TokenOut,
    /// The secret, shown this once. Send it as `Authorization: Bearer <secret>`.
    pub secret: String,
}

#[derive(Serialize, ToSchema)]
pub struct EnrolmentCode {
    /// Type this on the phone, or open `path` on it.
    pub code: String,
    pub expires_at: i64,
    /// `/enroll#code=…`, to prefix with the server's address.
    pub path: String,
}

#[derive(Serialize, ToSchema)]
pub struct DatasetOut {
    pub id: i64,
    pub name: String,
    pub item_count: i64,
    pub created_at: i64,
}

impl From<mudou_store::Dataset> for DatasetOut {
    fn from(d: mudou_store::Dataset) -> Self {
        DatasetOut {
            id: d.id,
            name: d.name,
            item_count: d.item_count,
            created_at: d.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ItemOut {
    pub id: i64,
    pub kind: String,
    pub file_name: String,
    pub tag: String,
    pub text: Option<String>,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub thumb_url: Option<String>,
    pub screen_url: Option<String>,
    /// The known right answer, when the dataset came with one.
    #[schema(value_type = Option<Object>)]
    pub gold: Option<serde_json::Value>,
    /// Every field of the item, in order (the first is also `kind`, `text`, `thumb_url`…);
    /// an item of one picture or one text has one field, named `image` or `text`.
    pub fields: Vec<FieldOut>,
}

/// One field of an item: a picture (its renditions and size) or a text.
#[derive(Serialize, ToSchema, Debug, Clone, PartialEq)]
pub struct FieldOut {
    /// The field's name, e.g. `before` (a manifest's column).
    pub name: String,
    /// `image`, `text`, `conversation` (`text` is a JSON array of `{"role":
    /// "system"|"user"|"assistant", "content"}`) or `markdown` (`text` is Markdown, shown
    /// without any HTML of its own).
    pub kind: mudou_domain::FieldKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Who wrote a response (an LLM's name), when the data says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thumb_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub screen_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height: Option<i64>,
    /// A medical series' geometry (kind `series`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume: Option<mudou_domain::volume::VolumeGeometry>,
    /// A medical series' volume: its header at this URL, its slices' values at `…/slices`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume_url: Option<String>,
}

/// An item's fields as the API shows them.
pub fn fields_out(fields: Vec<mudou_store::ItemField>) -> Vec<FieldOut> {
    fields
        .into_iter()
        .map(|f| {
            let series = f.kind == mudou_domain::FieldKind::Series;
            // A series has no picture renditions: its volume is read slice by slice.
            let media = |variant: &str| {
                f.sha256
                    .as_deref()
                    .filter(|_| !series)
                    .map(|s| media_url(s, variant))
            };
            let volume_url = f
                .sha256
                .as_deref()
                .filter(|_| series)
                .map(|s| format!("/api/v1/volumes/{s}"));
            FieldOut {
                volume: f.volume,
                volume_url,
                thumb_url: media("thumb"),
                screen_url: media("screen"),
                name: f.name,
                kind: f.kind,
                text: f.text,
                model: f.model,
                width: f.width,
                height: f.height,
            }
        })
        .collect()
}

/// The URL of an image rendition (`thumb`, `screen` or `original`).
pub fn media_url(sha256: &str, variant: &str) -> String {
    format!("/api/v1/media/{sha256}/{variant}")
}

impl From<mudou_store::Item> for ItemOut {
    fn from(i: mudou_store::Item) -> Self {
        let media = |variant: &str| i.sha256.as_deref().map(|s| media_url(s, variant));
        let fields = fields_out(i.fields());
        ItemOut {
            fields,
            thumb_url: media("thumb"),
            screen_url: media("screen"),
            id: i.id,
            kind: i.kind,
            file_name: i.file_name,
            tag: i.tag,
            text: i.body,
            width: i.width,
            height: i.height,
            gold: i.gold.as_deref().and_then(|g| serde_json::from_str(g).ok()),
        }
    }
}

// ---- requests -----------------------------------------------------------------------

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PinLoginRequest {
    pub user_id: i64,
    pub pin: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimRequest {
    pub code: String,
    /// A name for this device, e.g. "王芳的手机".
    pub name: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    pub name: String,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    /// How long the code stays valid (default 60, at most 10080 = a week).
    pub ttl_minutes: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAnnotatorRequest {
    pub display_name: String,
    pub pin: String,
    pub skill_level: Option<SkillLevel>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PinRequest {
    pub pin: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCentreRequest {
    pub name: String,
    #[serde(default)]
    pub county: String,
    #[serde(default)]
    pub province: String,
    pub timezone: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrgRequest {
    pub name: String,
}

// A new account is the account use-case's own input (`mudou_app::users`).
pub use mudou_app::users::NewUserRequest;

#[derive(Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    pub role: Option<Role>,
    pub centre_id: Option<i64>,
    pub org_id: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenRequest {
    pub name: String,
    /// What the token may do: a subset of what its creator may do (a token making a token:
    /// of that token's scopes). Default: all of them.
    #[serde(default)]
    pub scopes: Option<Vec<Scope>>,
    /// Days until the token expires: 1 to 365, default 90 (and never after the token that
    /// makes it).
    #[serde(default)]
    pub expires_in_days: Option<i64>,
}

#[derive(Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Return items with ids greater than this.
    pub after: Option<i64>,
    /// At most this many (default 100, at most 1000).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}
