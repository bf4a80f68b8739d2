//! Every error code the API answers with, and its HTTP status: the one table clients (the
//! web UI, scripts) can rely on. A code never changes meaning; new refusals get new codes.
//!
//! The table is written once, in `error_codes!` below: the enum, [`ErrorCode::ALL`],
//! [`ErrorCode::status`], [`ErrorCode::as_str`] and [`ErrorCode::description`] are all made
//! from it, so none of them can leave a code out.

use serde::Serialize;
use utoipa::openapi::extensions::Extensions;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::{RefOr, schema::SchemaType};

macro_rules! error_codes {
    ($( $(#[doc = $doc:literal])+ $variant:ident = $code:literal => $status:literal, )+) => {
        /// A stable, machine-readable reason for a refusal (`{"error": {"code", "message"}}`).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
        pub enum ErrorCode {
            $( $(#[doc = $doc])+ #[serde(rename = $code)] $variant, )+
        }

        impl ErrorCode {
            /// Every code, in the table's order, for documents and tests.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),+];

            /// The HTTP status this code is answered with.
            pub const fn status(self) -> u16 {
                match self { $(ErrorCode::$variant => $status),+ }
            }

            /// The code as clients see it, e.g. `unit_closed`.
            pub const fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $code),+ }
            }

            /// What the code means, in a sentence or two (its doc comment).
            pub fn description(self) -> &'static str {
                match self { $(ErrorCode::$variant => concat!($($doc),+).trim_ascii()),+ }
            }
        }
    };
}

error_codes! {
    // 400: the request could not be read.
    /// The request could not be understood (a framework refusal with no code of its own).
    BadRequest = "bad_request" => 400,
    /// The JSON body could not be read.
    InvalidBody = "invalid_body" => 400,
    /// The body is not well-formed JSON.
    InvalidJson = "invalid_json" => 400,
    /// The multipart upload is broken.
    InvalidMultipart = "invalid_multipart" => 400,
    /// A path value has the wrong form (e.g. an id that is not a number).
    InvalidPath = "invalid_path" => 400,
    /// A query parameter has the wrong form, or is unknown.
    InvalidQuery = "invalid_query" => 400,
    /// An upload that holds no files.
    NoFiles = "no_files" => 400,
    // 401: who is asking is not known.
    /// Not logged in, or the session ended: log in again.
    Unauthenticated = "unauthenticated" => 401,
    /// Wrong username or password (the same answer whether the account exists or not).
    InvalidCredentials = "invalid_credentials" => 401,
    /// Wrong PIN.
    InvalidPin = "invalid_pin" => 401,
    /// An unknown or revoked API token (or metrics token).
    InvalidToken = "invalid_token" => 401,
    /// The API token has expired: make a new one.
    TokenExpired = "token_expired" => 401,
    // 403: known, but may not.
    /// The caller's role may not do this.
    Forbidden = "forbidden" => 403,
    /// The API token (or role) lacks the scope this needs.
    Scope = "scope" => 403,
    /// A change sent from another site's page.
    CrossOrigin = "cross_origin" => 403,
    /// This browser or device is not enrolled at a centre (annotators log in on one).
    DeviceNotEnrolled = "device_not_enrolled" => 403,
    /// Only the expert tier decides medical items: annotators of skill level `expert`
    /// holding the `medical` qualification.
    NotExpert = "not_expert" => 403,
    /// Only the doctor the order names decides its referred items.
    NotDoctor = "not_doctor" => 403,
    // 404
    /// Nothing of the caller's by that id (or no such route).
    NotFound = "not_found" => 404,
    // 405
    /// The route does not take that method (the `Allow` header says which it takes).
    MethodNotAllowed = "method_not_allowed" => 405,
    // 409: the request was fine, the state of things refuses it.
    /// It exists already, or was already done (by someone else, or an earlier try); the
    /// message says what. Look again before trying something else.
    Conflict = "conflict" => 409,
    /// That username is taken (`field` is `username`): choose another.
    UsernameTaken = "username_taken" => 409,
    /// The order's state does not allow this: it is no longer a draft (changing it,
    /// publishing, gold answers), not open or paused (adding items, pausing, resuming), or
    /// over. Load the order again to see its state.
    OrderState = "order_state" => 409,
    /// The assignment is no longer active (submitted, handed back, or its lease ran out):
    /// nothing more can be done with it; ask for new work.
    AssignmentEnded = "assignment_ended" => 409,
    /// An answer for a unit that is already submitted (or handed back): its answers are final.
    UnitClosed = "unit_closed" => 409,
    /// An answer that came after its lease ran out, for an item that meanwhile got all the
    /// labels it needs: not stored, and nothing is wrong with it.
    NoLongerNeeded = "no_longer_needed" => 409,
    /// The `client_uuid` was already used for a different answer (another item or person):
    /// a new answer needs a new UUID.
    UuidReused = "uuid_reused" => 409,
    /// The month, or a later one, is already closed for the centre: a closed month changes
    /// only through adjustments.
    PeriodClosed = "period_closed" => 409,
    /// The annotator has no mistakes (labels a lead's review found wrong) to practise on.
    NoMistakes = "no_mistakes" => 409,
    /// The medical item was already decided at this step (by another expert, or the doctor),
    /// or is no longer waiting for it: load the queue again.
    AlreadyDecided = "already_decided" => 409,
    // 413
    /// A voice note over 1 MiB: record a shorter one.
    VoiceTooLarge = "voice_too_large" => 413,
    /// A picture (an answer drawn on the item's picture) over 2 MiB, or wider or taller
    /// than 4096 pixels: send a smaller one.
    PictureTooLarge = "picture_too_large" => 413,
    /// The request body is larger than the server accepts.
    PayloadTooLarge = "payload_too_large" => 413,
    /// More files in one upload than the server takes: send them in parts.
    TooManyFiles = "too_many_files" => 413,
    // 415
    /// The body is not of the content type the route takes (JSON, or multipart for uploads).
    UnsupportedMediaType = "unsupported_media_type" => 415,
    // 422: read, but not valid.
    /// The request was read but does not hold what the route needs (`field` names the
    /// field when there is one).
    Validation = "validation" => 422,
    /// The upload's manifest cannot be used (the message names its file and line): nothing
    /// of the upload was stored.
    BadManifest = "bad_manifest" => 422,
    /// A file within the upload (the manifest) is over its own size limit.
    TooLarge = "too_large" => 422,
    /// The order's expected hourly earning is under the minimum hourly wage of a centre it
    /// may go to, and that centre's policy refuses such orders (`centre_id`,
    /// `expected_fen_per_hour` and `floor_fen` say which and by how much): raise the rate,
    /// or leave the centre out of `eligible_centres`.
    WageBelowFloor = "wage_below_floor" => 422,
    /// The medical policy's doctor (`doctor_user_id`) is not a client user of the order's
    /// organisation: choose one of your organisation's users.
    DoctorNotInOrg = "doctor_not_in_org" => 422,
    /// The voice note is not audio (WebM, Ogg, MP4, WAV or MP3, told by its bytes).
    NotAudio = "not_audio" => 422,
    /// The voice note is over 60 seconds (or its bytes are too many for the length it
    /// claims): record a shorter one.
    VoiceTooLong = "voice_too_long" => 422,
    /// The picture is not a picture the server takes (PNG, JPEG or WebP, told by its bytes
    /// and decoded whole).
    NotImage = "not_image" => 422,
    /// A finding (a point, a diameter's end or an outline's point) lies outside the
    /// series' volume (its columns, rows and slices): place it on the series.
    OutsideVolume = "outside_volume" => 422,
    // 429
    /// Too many attempts: wait `retry_after_s` seconds (also the `Retry-After` header).
    RateLimited = "rate_limited" => 429,
    // 500
    /// Something went wrong on the server's side (it is logged there).
    Internal = "internal" => 500,
    // 503: try again later; nothing was changed.
    /// Too busy to store this just now: nothing was changed, send it again.
    Busy = "busy" => 503,
    /// Could not store this just now: nothing was changed, send it again.
    Unavailable = "unavailable" => 503,
    /// The request took too long: send it again.
    Timeout = "timeout" => 503,
    /// The server is not ready (its database does not answer).
    NotReady = "not_ready" => 503,
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl utoipa::PartialSchema for ErrorCode {
    /// A string enum of every code; its description is the table of codes and statuses, and
    /// `x-error-codes` maps each code to its status for programs.
    fn schema() -> RefOr<Schema> {
        let mut table = String::from(
            "A stable, machine-readable reason for a refusal. Each code is always answered \
             with the same HTTP status:\n\n| code | status | meaning |\n|---|---|---|\n",
        );
        for c in ErrorCode::ALL {
            table.push_str(&format!(
                "| `{}` | {} | {} |\n",
                c.as_str(),
                c.status(),
                c.description().replace('\n', " ").replace('|', "\\|")
            ));
        }
        let statuses: serde_json::Map<String, serde_json::Value> = ErrorCode::ALL
            .iter()
            .map(|c| (c.as_str().to_owned(), c.status().into()))
            .collect();
        ObjectBuilder::new()
            .schema_type(SchemaType::new(Type::String))
            .enum_values(Some(ErrorCode::ALL.iter().map(|c| c.as_str())))
            .description(Some(table))
            .extensions(Some(Extensions::from_iter([(
                "x-error-codes",
                serde_json::Value::Object(statuses),
            )])))
            .into()
    }
}

impl utoipa::ToSchema for ErrorCode {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_listed_once_and_reads_as_serde_writes_it() {
        let mut seen = std::collections::HashSet::new();
        for c in ErrorCode::ALL {
            assert!(seen.insert(c.as_str()), "{c} twice");
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
            assert!((400..600).contains(&c.status()), "{c}");
            assert!(!c.description().is_empty(), "{c}");
            assert!(
                c.as_str()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{c} is snake_case"
            );
        }
    }

    #[test]
    fn the_submit_refusals_have_codes_of_their_own() {
        let refusals = [
            ErrorCode::UnitClosed,
            ErrorCode::NoLongerNeeded,
            ErrorCode::UuidReused,
        ];
        for c in refusals {
            assert_eq!(c.status(), 409);
            assert_ne!(c, ErrorCode::Conflict);
        }
    }

    #[test]
    fn the_schema_lists_every_code_with_its_status() {
        let schema = serde_json::to_value(<ErrorCode as utoipa::PartialSchema>::schema()).unwrap();
        let values: Vec<&str> = schema["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let all: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(values, all);
        let description = schema["description"].as_str().unwrap();
        for c in ErrorCode::ALL {
            assert_eq!(schema["x-error-codes"][c.as_str()], c.status(), "{c}");
            assert!(
                description.contains(&format!("| `{c}` | {} |", c.status())),
                "{c}"
            );
        }
    }
}
