use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Everything the server needs to start. The `mudou` binary fills it from a TOML
/// file, `MUDOU_*` environment variables and flags (in that order of strength).
#[derive(Clone, Debug)]
pub struct Settings {
    pub listen: SocketAddr,
    /// `sqlite://…` or `postgres://…`; defaults to `sqlite://DATA_DIR/mudou.db`.
    pub database_url: mudou_store::DatabaseUrl,
    /// PostgreSQL schema to use (created if missing); `None` uses the default search path.
    pub database_schema: Option<String>,
    pub database_max_connections: u32,
    /// Where media and the embedded database live.
    pub data_dir: PathBuf,
    /// Requests taking longer are answered with 503 `timeout`.
    pub request_timeout: Duration,
    /// Largest accepted JSON body.
    pub max_body_bytes: usize,
    /// Largest accepted upload request (`POST /api/v1/datasets/{id}/files`), spooled to disk.
    pub max_upload_bytes: u64,
    /// Uploads are not bound by `request_timeout` but by this (default 1 hour).
    pub upload_timeout: Duration,
    /// How long a login lasts.
    pub session_ttl: Duration,
    /// Add the `Secure` attribute to cookies (set when served over HTTPS).
    pub secure_cookies: bool,
    // ---- login throttling (issue 24; see `auth::Throttles`) ----
    /// Proxies in front of the server that each append the address they saw to
    /// `X-Forwarded-For`. 0 (the default): the header is ignored and the connection's own
    /// address is the source of a login attempt.
    pub trusted_proxy_hops: usize,
    /// Wrong passwords from one source address that cost nothing; each further one makes
    /// the address wait 1 s, doubling up to `address_max_wait`.
    pub address_free_attempts: i64,
    pub address_max_wait: Duration,
    /// Wrong passwords or PINs against one account (from anywhere) that cost nothing; each
    /// further one makes the account wait 1 s, doubling up to `account_max_wait` (short: the
    /// owner is slowed, never shut out; from a known browser or device not even that).
    pub account_free_attempts: i64,
    pub account_max_wait: Duration,
    /// Wrong PINs for one annotator on one device that cost nothing (then 1 s, doubling up
    /// to `address_max_wait`); the next person on that device is not slowed by them.
    pub pin_free_attempts: i64,
    /// Wrong PINs on one device, whoever for, that cost nothing (then 1 s, doubling up to
    /// `device_window`): a device cannot try PINs across the whole roster.
    pub device_attempts_per_window: i64,
    pub device_window: Duration,
    /// `/metrics` (per-centre labels and pay) answers on the main listener only to
    /// `Authorization: Bearer <this token>`; without a token it is 404 there.
    pub metrics_token: Option<crate::metrics::MetricsToken>,
    /// An address of its own that serves only `/metrics`, without a token.
    pub metrics_listen: Option<SocketAddr>,
    // ---- media (decode memory, storage) ----
    /// Memory all decodes at once may reserve for pixels and renditions (default 256 MiB);
    /// a picture that needs more is refused, others wait their turn.
    pub decode_memory_bytes: u64,
    /// Longest wait of a picture for decode memory before it is refused (`decode_busy`).
    pub decode_wait: Duration,
    /// Media on S3-compatible storage instead of `DATA_DIR/media` (for several servers).
    /// Credentials come from the environment unless set here (tests); `Debug` hides them.
    pub media_s3: Option<mudou_media::S3Config>,
    // ---- links handed to other tools (Label Studio exports) ----
    /// The address people reach the server at (`https://mudou.example`); links in exports
    /// are made from it, else from the request's `Host`.
    pub public_url: Option<String>,
    /// The secret signed media links are made with; by default a random key kept in
    /// `DATA_DIR/media-signing.key` (set this when several servers serve one database).
    pub media_signing_key: Option<Secret>,
    /// How long a signed media link in an export works (default 7 days).
    pub signed_media_ttl: Duration,
    // ---- consensus ----
    /// How the live consensus weighs each worker: by their estimated skill (default), or
    /// all alike (to compare against).
    pub live_trust: mudou_domain::live::Trust,
}

impl Settings {
    /// Defaults for a data folder: SQLite inside it, loopback port 8080.
    pub fn for_data_dir(data_dir: impl Into<PathBuf>) -> Settings {
        let data_dir = data_dir.into();
        Settings {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: format!("sqlite://{}", data_dir.join("mudou.db").display()).into(),
            database_schema: None,
            database_max_connections: 16,
            data_dir,
            request_timeout: Duration::from_secs(60),
            max_body_bytes: 1 << 20,
            max_upload_bytes: 2 << 30,
            upload_timeout: Duration::from_secs(3600),
            session_ttl: Duration::from_secs(12 * 3600),
            secure_cookies: false,
            trusted_proxy_hops: 0,
            address_free_attempts: 5,
            address_max_wait: Duration::from_secs(15 * 60),
            account_free_attempts: 10,
            account_max_wait: Duration::from_secs(30),
            pin_free_attempts: 3,
            device_attempts_per_window: 30,
            device_window: Duration::from_secs(10 * 60),
            metrics_token: None,
            metrics_listen: None,
            // ---- media ----
            decode_memory_bytes: 256 << 20,
            decode_wait: Duration::from_secs(60),
            media_s3: None,
            public_url: None,
            media_signing_key: None,
            signed_media_ttl: Duration::from_secs(7 * 24 * 3600),
            live_trust: mudou_domain::live::Trust::Skills,
        }
    }
}

/// A secret setting: `Debug` never shows it.
#[derive(Clone)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}
