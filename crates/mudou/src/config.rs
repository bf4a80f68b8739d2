//! Settings from a TOML file, `MUDOU_*` environment variables and flags, in that
//! order of strength (a flag beats the environment, which beats the file).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use mudou_server::Settings;
use mudou_server::metrics::MetricsToken;
use serde::Deserialize;

/// Flags shared by every command that opens the database.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ServerArgs {
    /// TOML settings file (keys as the long flags, with `_` for `-`).
    #[arg(long, env = "MUDOU_CONFIG")]
    pub config: Option<PathBuf>,
    /// Address to listen on.
    #[arg(long, env = "MUDOU_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// `sqlite://FILE` or `postgres://USER@HOST:PORT/DB` (default: sqlite in the data folder).
    #[arg(long, env = "MUDOU_DATABASE_URL")]
    pub database_url: Option<mudou_store::DatabaseUrl>,
    /// PostgreSQL schema to use, created when missing.
    #[arg(long, env = "MUDOU_DATABASE_SCHEMA")]
    pub database_schema: Option<String>,
    /// Folder for the embedded database and media.
    #[arg(long, env = "MUDOU_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Seconds before a request is answered with 503 `timeout`.
    #[arg(long, env = "MUDOU_REQUEST_TIMEOUT_S")]
    pub request_timeout_s: Option<u64>,
    /// Largest JSON request body in bytes.
    #[arg(long, env = "MUDOU_MAX_BODY_BYTES")]
    pub max_body_bytes: Option<usize>,
    /// Largest upload request in bytes (`POST /api/v1/datasets/{id}/files`, spooled to disk).
    #[arg(long, env = "MUDOU_MAX_UPLOAD_BYTES")]
    pub max_upload_bytes: Option<u64>,
    /// Seconds before an upload request is answered with 503 `timeout`.
    #[arg(long, env = "MUDOU_UPLOAD_TIMEOUT_S")]
    pub upload_timeout_s: Option<u64>,
    /// Hours a login lasts.
    #[arg(long, env = "MUDOU_SESSION_HOURS")]
    pub session_hours: Option<u64>,
    /// Mark cookies `Secure` (when served over HTTPS).
    #[arg(long, env = "MUDOU_SECURE_COOKIES")]
    pub secure_cookies: Option<bool>,
    /// On SQLite with two or more CPUs, keep the last CPU for the one writer and its
    /// connection, and the server's other threads off it (default true).
    #[arg(long, env = "MUDOU_WRITER_CORE")]
    pub writer_core: Option<bool>,
    /// Pooled database connections for reads and other writes (default 16; on SQLite at
    /// most twice the CPUs). The annotators' writer has one of its own besides.
    #[arg(long, env = "MUDOU_DATABASE_CONNECTIONS")]
    pub database_connections: Option<u32>,
    /// Opens `/metrics` on the main address to `Authorization: Bearer <token>` (16 characters
    /// or more). Without it (and without --metrics-listen) `/metrics` answers 404.
    #[arg(long, env = "MUDOU_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<MetricsToken>,
    /// An address of its own that serves only `/metrics`, without a token (one that Prometheus
    /// reaches and browsers do not).
    #[arg(long, env = "MUDOU_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,
    // ---- login throttling (issue 24) ----
    /// Proxies in front of the server that append the client's address to
    /// `X-Forwarded-For` (default 0: the header is ignored, the connection's address counts).
    #[arg(long, env = "MUDOU_TRUSTED_PROXY_HOPS")]
    pub trusted_proxy_hops: Option<usize>,
    // ---- media (decode memory, storage) ----
    /// MiB of memory all image decodes at once may use (default 256); bigger pictures are
    /// refused, others wait their turn.
    #[arg(long, env = "MUDOU_DECODE_MEMORY_MB")]
    pub decode_memory_mb: Option<u64>,
    /// Seconds a picture may wait for decode memory before it is refused as `decode_busy`.
    #[arg(long, env = "MUDOU_DECODE_WAIT_S")]
    pub decode_wait_s: Option<u64>,
    /// Media storage: `s3://BUCKET[/PREFIX]` for S3-compatible object storage (default: the
    /// data folder's `media`). Credentials only from the environment: `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`, or a container/instance role).
    #[arg(long, env = "MUDOU_MEDIA_URL")]
    pub media_url: Option<String>,
    /// S3-compatible endpoint, e.g. `http://minio.local:9000` (default: AWS).
    #[arg(long, env = "MUDOU_S3_ENDPOINT")]
    pub s3_endpoint: Option<String>,
    /// S3 region (default: `AWS_REGION`, else `us-east-1`).
    #[arg(long, env = "MUDOU_S3_REGION")]
    pub s3_region: Option<String>,
    /// Allow a plain-HTTP S3 endpoint.
    #[arg(long, env = "MUDOU_S3_ALLOW_HTTP")]
    pub s3_allow_http: Option<bool>,
    // ---- consensus ----
    /// `on` (default): the live consensus weighs each worker by their estimated skill on the
    /// order (never asking for more labels than `off` would); `off`: everyone alike (to
    /// compare against).
    #[arg(long, env = "MUDOU_LIVE_SKILLS", value_parser = parse_switch)]
    pub live_skills: Option<bool>,
}

/// `on`/`off` (also `true`/`false`, `1`/`0`, `yes`/`no`).
fn parse_switch(s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "on" | "true" | "1" | "yes" => Ok(true),
        "off" | "false" | "0" | "no" => Ok(false),
        _ => Err(format!("{s:?}: expected on or off")),
    }
}

#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    listen: Option<SocketAddr>,
    database_url: Option<mudou_store::DatabaseUrl>,
    database_schema: Option<String>,
    data_dir: Option<PathBuf>,
    request_timeout_s: Option<u64>,
    max_body_bytes: Option<usize>,
    max_upload_bytes: Option<u64>,
    upload_timeout_s: Option<u64>,
    session_hours: Option<u64>,
    secure_cookies: Option<bool>,
    writer_core: Option<bool>,
    database_connections: Option<u32>,
    metrics_token: Option<MetricsToken>,
    metrics_listen: Option<SocketAddr>,
    trusted_proxy_hops: Option<usize>,
    // ---- media ----
    decode_memory_mb: Option<u64>,
    decode_wait_s: Option<u64>,
    media_url: Option<String>,
    s3_endpoint: Option<String>,
    s3_region: Option<String>,
    s3_allow_http: Option<bool>,
    live_skills: Option<bool>,
}

fn read_file(path: &Path) -> anyhow::Result<FileSettings> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

impl ServerArgs {
    /// The settings file's values (none without `--config`).
    fn file(&self) -> anyhow::Result<FileSettings> {
        match &self.config {
            Some(p) => read_file(p),
            None => Ok(FileSettings::default()),
        }
    }

    /// Whether to reserve a CPU for the SQLite writer (`mudou_app::affinity`): on
    /// SQLite, unless turned off.
    pub fn wants_writer_core(&self) -> anyhow::Result<bool> {
        let on = self
            .writer_core
            .or(self.file()?.writer_core)
            .unwrap_or(true);
        Ok(on && self.resolve()?.database_url.starts_with("sqlite:"))
    }

    /// Merges file < environment < flags over the defaults.
    pub fn resolve(&self) -> anyhow::Result<Settings> {
        let file = self.file()?;
        let data_dir = self
            .data_dir
            .clone()
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from("mudou-data"));
        let mut s = Settings::for_data_dir(data_dir);
        if let Some(v) = self.listen.or(file.listen) {
            s.listen = v;
        }
        if let Some(v) = self.database_url.clone().or(file.database_url) {
            s.database_url = v;
        }
        s.database_schema = self.database_schema.clone().or(file.database_schema);
        if let Some(v) = self.request_timeout_s.or(file.request_timeout_s) {
            if v == 0 {
                bail!("request_timeout_s must be at least 1");
            }
            s.request_timeout = Duration::from_secs(v);
        }
        if let Some(v) = self.max_body_bytes.or(file.max_body_bytes) {
            s.max_body_bytes = v;
        }
        if let Some(v) = self.max_upload_bytes.or(file.max_upload_bytes) {
            s.max_upload_bytes = v;
        }
        if let Some(v) = self.upload_timeout_s.or(file.upload_timeout_s) {
            if v == 0 {
                bail!("upload_timeout_s must be at least 1");
            }
            s.upload_timeout = Duration::from_secs(v);
        }
        if let Some(v) = self.session_hours.or(file.session_hours) {
            s.session_ttl = Duration::from_secs(v.max(1) * 3600);
        }
        if let Some(v) = self.secure_cookies.or(file.secure_cookies) {
            s.secure_cookies = v;
        }
        if let Some(v) = self.database_connections.or(file.database_connections) {
            if v == 0 {
                bail!("database_connections must be at least 1");
            }
            s.database_max_connections = v;
        }
        s.metrics_token = self.metrics_token.clone().or(file.metrics_token);
        s.metrics_listen = self.metrics_listen.or(file.metrics_listen);
        if let Some(v) = self.trusted_proxy_hops.or(file.trusted_proxy_hops) {
            s.trusted_proxy_hops = v;
        }
        // ---- media ----
        if let Some(v) = self.decode_memory_mb.or(file.decode_memory_mb) {
            if v == 0 {
                bail!("decode_memory_mb must be at least 1");
            }
            s.decode_memory_bytes = v.saturating_mul(1 << 20);
        }
        if let Some(v) = self.decode_wait_s.or(file.decode_wait_s) {
            s.decode_wait = Duration::from_secs(v);
        }
        let endpoint = self.s3_endpoint.clone().or(file.s3_endpoint);
        let region = self.s3_region.clone().or(file.s3_region);
        let allow_http = self.s3_allow_http.or(file.s3_allow_http);
        match self.media_url.clone().or(file.media_url) {
            Some(url) => {
                let mut s3 = mudou_media::S3Config::from_url(&url)?;
                s3.endpoint = endpoint;
                s3.region = region;
                s3.allow_http = allow_http.unwrap_or(false);
                s.media_s3 = Some(s3);
            }
            None if endpoint.is_some() || region.is_some() || allow_http.is_some() => {
                bail!("the s3_* settings need media_url = \"s3://BUCKET/PREFIX\"")
            }
            None => {}
        }
        if let Some(on) = self.live_skills.or(file.live_skills) {
            s.live_trust = if on {
                mudou_domain::live::Trust::Skills
            } else {
                mudou_domain::live::Trust::Equal
            };
        }
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_is_overridden_by_flags_and_env() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mudou.toml");
        std::fs::write(
            &path,
            "listen = \"0.0.0.0:9000\"\ndata_dir = \"/srv/mudou\"\nsession_hours = 2\nmax_upload_bytes = 1000\ndatabase_connections = 6\ndecode_memory_mb = 64\ndecode_wait_s = 5\n",
        )
        .unwrap();
        let args = ServerArgs {
            config: Some(path.clone()),
            ..Default::default()
        };
        let s = args.resolve().unwrap();
        assert_eq!(s.listen.to_string(), "0.0.0.0:9000");
        assert_eq!(s.database_url, "sqlite:///srv/mudou/mudou.db");
        assert_eq!(s.session_ttl, Duration::from_secs(7200));
        assert_eq!(s.max_upload_bytes, 1000);
        assert_eq!(s.database_max_connections, 6);
        assert_eq!(s.decode_memory_bytes, 64 << 20);
        assert_eq!(s.decode_wait, Duration::from_secs(5));

        // clap hands over the environment and flags in the same fields: they win.
        let args = ServerArgs {
            config: Some(path),
            listen: Some("127.0.0.1:1".parse().unwrap()),
            ..Default::default()
        };
        assert_eq!(args.resolve().unwrap().listen.to_string(), "127.0.0.1:1");
        let none = ServerArgs {
            database_connections: Some(0),
            ..Default::default()
        };
        assert!(none.resolve().is_err());
    }

    #[test]
    fn the_writer_core_is_for_sqlite_unless_turned_off() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mudou.toml");
        std::fs::write(&path, "writer_core = false\n").unwrap();
        let with = |config: Option<PathBuf>, url: Option<&str>, flag: Option<bool>| ServerArgs {
            config,
            database_url: url.map(Into::into),
            writer_core: flag,
            ..Default::default()
        };
        assert!(with(None, None, None).wants_writer_core().unwrap());
        assert!(
            !with(None, Some("postgres://u@h/db"), None)
                .wants_writer_core()
                .unwrap()
        );
        assert!(!with(None, None, Some(false)).wants_writer_core().unwrap());
        assert!(
            !with(Some(path.clone()), None, None)
                .wants_writer_core()
                .unwrap()
        );
        assert!(
            with(Some(path), None, Some(true))
                .wants_writer_core()
                .unwrap()
        );
    }

    #[test]
    fn the_metrics_token_is_layered_and_never_printed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mudou.toml");
        std::fs::write(
            &path,
            "metrics_token = \"from-the-file-0123456789\"\nmetrics_listen = \"127.0.0.1:9100\"\n",
        )
        .unwrap();
        let args = ServerArgs {
            config: Some(path.clone()),
            ..Default::default()
        };
        let s = args.resolve().unwrap();
        assert!(
            s.metrics_token
                .as_ref()
                .unwrap()
                .matches("from-the-file-0123456789")
        );
        assert_eq!(s.metrics_listen.unwrap().to_string(), "127.0.0.1:9100");
        let printed = format!("{s:?} {args:?}");
        assert!(!printed.contains("from-the-file"), "{printed}");

        let args = ServerArgs {
            config: Some(path),
            metrics_token: Some("from-a-flag-0123456789".parse().unwrap()),
            ..Default::default()
        };
        let s = args.resolve().unwrap();
        assert!(
            s.metrics_token
                .as_ref()
                .unwrap()
                .matches("from-a-flag-0123456789")
        );
        assert!(!format!("{s:?} {args:?}").contains("from-a-flag"));

        // clap takes it from the environment and refuses a short one.
        use clap::Parser;
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            server: ServerArgs,
        }
        let cli = Cli::try_parse_from(["mudou", "--metrics-token", "0123456789abcdef"]).unwrap();
        assert!(
            cli.server
                .metrics_token
                .unwrap()
                .matches("0123456789abcdef")
        );
        let err = Cli::try_parse_from(["mudou", "--metrics-token", "short"])
            .err()
            .unwrap();
        assert!(err.to_string().contains("at least 16"), "{err}");

        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.toml");
        std::fs::write(&bad, "metrics_token = \"short\"\n").unwrap();
        let err = ServerArgs {
            config: Some(bad),
            ..Default::default()
        }
        .resolve()
        .unwrap_err();
        assert!(format!("{err:#}").contains("at least 16"), "{err:#}");
    }

    #[test]
    fn media_can_go_to_s3_with_credentials_from_the_environment_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mudou.toml");
        std::fs::write(
            &path,
            "media_url = \"s3://mudou-media/centre-a\"\ns3_endpoint = \"http://127.0.0.1:9000\"\ns3_allow_http = true\n",
        )
        .unwrap();
        let args = ServerArgs {
            config: Some(path),
            s3_region: Some("cn-north-1".into()),
            ..Default::default()
        };
        let s3 = args.resolve().unwrap().media_s3.unwrap();
        assert_eq!(
            (s3.bucket.as_str(), s3.prefix.as_str(), s3.region.as_deref()),
            ("mudou-media", "centre-a", Some("cn-north-1"))
        );
        assert_eq!(s3.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
        assert!(s3.allow_http);
        // Never from a flag or the file: object_store reads AWS_* itself.
        assert_eq!(s3.credentials, None);
        assert!(ServerArgs::default().resolve().unwrap().media_s3.is_none());
        for bad in [
            ServerArgs {
                media_url: Some("/srv/media".into()),
                ..Default::default()
            },
            ServerArgs {
                s3_endpoint: Some("http://127.0.0.1:9000".into()),
                ..Default::default()
            },
        ] {
            assert!(bad.resolve().is_err());
        }
        // A credential in the settings file is an unknown key, refused.
        let path = dir.path().join("secret.toml");
        std::fs::write(&path, "aws_secret_access_key = \"x\"\n").unwrap();
        assert!(
            ServerArgs {
                config: Some(path),
                ..Default::default()
            }
            .resolve()
            .is_err()
        );
    }

    #[test]
    fn the_database_password_is_never_printed() {
        let args = ServerArgs {
            database_url: Some("postgres://mudou:hunter2-long@db:5432/mudou".into()),
            ..Default::default()
        };
        let s = args.resolve().unwrap();
        assert_eq!(
            s.database_url.expose(),
            "postgres://mudou:hunter2-long@db:5432/mudou"
        );
        let printed = format!("{s:?} {args:?}");
        assert!(!printed.contains("hunter2"), "{printed}");
    }

    #[test]
    fn unknown_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.toml");
        std::fs::write(&path, "lisen = \"x\"\n").unwrap();
        let err = ServerArgs {
            config: Some(path),
            ..Default::default()
        }
        .resolve()
        .unwrap_err();
        assert!(format!("{err:#}").contains("lisen"), "{err:#}");
    }
}
