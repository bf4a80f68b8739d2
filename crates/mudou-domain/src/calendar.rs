//! A centre's calendar: local days, weeks (from Monday) and months in its time zone, as
//! Unix milliseconds. Pay periods are months (`YYYY-MM`).

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ZonedDateTime};

/// Days, weeks and months in one time zone.
#[derive(Clone, Debug)]
pub struct Calendar {
    tz: TimeZone,
}

/// The zone name is not in the time-zone database.
#[derive(Debug, thiserror::Error)]
#[error("unknown time zone {0:?}")]
pub struct UnknownZone(pub String);

impl Calendar {
    /// A calendar for an IANA zone such as `Asia/Shanghai`.
    pub fn new(zone: &str) -> Result<Calendar, UnknownZone> {
        TimeZone::get(zone)
            .map(|tz| Calendar { tz })
            .map_err(|_| UnknownZone(zone.to_owned()))
    }

    /// China's calendar, for centres whose zone is unknown.
    pub fn china() -> Calendar {
        Calendar::new("Asia/Shanghai").unwrap_or(Calendar { tz: TimeZone::UTC })
    }

    fn zoned(&self, ms: i64) -> ZonedDateTime {
        Timestamp::from_millisecond(ms)
            .unwrap_or(Timestamp::UNIX_EPOCH)
            .to_zoned_datetime(self.tz.clone())
    }

    fn start_of(&self, d: Date) -> i64 {
        d.to_zoned_datetime(self.tz.clone())
            .map(|z| z.timestamp().as_millisecond())
            .unwrap_or(0)
    }

    /// Local midnight starting the day that holds `ms`.
    pub fn day_start(&self, ms: i64) -> i64 {
        self.start_of(self.zoned(ms).date())
    }

    /// Local midnight `days` days after (or before) the day holding `ms`.
    pub fn add_days(&self, ms: i64, days: i64) -> i64 {
        let d = self.zoned(ms).date();
        let d = d.checked_add(jiff::Span::new().days(days)).unwrap_or(d);
        self.start_of(d)
    }

    /// Monday's midnight starting the week that holds `ms`.
    pub fn week_start(&self, ms: i64) -> i64 {
        let d = self.zoned(ms).date();
        let back = d.weekday().since(Weekday::Monday) as i64;
        self.add_days(self.start_of(d), -back)
    }

    /// Midnight of the 1st of the month that holds `ms`.
    pub fn month_start(&self, ms: i64) -> i64 {
        self.start_of(self.zoned(ms).date().first_of_month())
    }

    /// The month holding `ms`, as `YYYY-MM`.
    pub fn period_of(&self, ms: i64) -> String {
        let d = self.zoned(ms).date();
        format!("{:04}-{:02}", d.year(), d.month())
    }

    /// A month's bounds `[start, end)`, from `YYYY-MM`; `None` when it is not one.
    pub fn month_bounds(&self, period: &str) -> Option<(i64, i64)> {
        let (y, m) = period.split_once('-')?;
        if y.len() != 4 || m.len() != 2 {
            return None;
        }
        let first = Date::new(y.parse().ok()?, m.parse().ok()?, 1).ok()?;
        let next = first.checked_add(jiff::Span::new().months(1)).ok()?;
        Some((self.start_of(first), self.start_of(next)))
    }

    /// Local midnight starting a day given as `YYYY-MM-DD`; `None` when it is not one.
    pub fn date_start(&self, date: &str) -> Option<i64> {
        let mut parts = date.split('-');
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        let date = Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?).ok()?;
        Some(self.start_of(date))
    }

    /// `ms` as the local `YYYY-MM-DD`.
    pub fn date_string(&self, ms: i64) -> String {
        let d = self.zoned(ms).date();
        format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
    }

    /// `ms` as the local `YYYY-MM-DD HH:MM`.
    pub fn datetime_string(&self, ms: i64) -> String {
        let z = self.zoned(ms);
        format!("{} {:02}:{:02}", self.date_string(ms), z.hour(), z.minute())
    }

    /// The local hour (0–23) of `ms`.
    pub fn hour(&self, ms: i64) -> i64 {
        self.zoned(ms).hour() as i64
    }

    /// `ms` at local `hour:minute` of the day that holds `day`.
    pub fn at(&self, day: i64, hour: i8, minute: i8) -> i64 {
        let d = self.zoned(day).date();
        let t = Time::new(hour, minute, 0, 0).unwrap_or(Time::midnight());
        d.to_datetime(t)
            .to_zoned_datetime(self.tz.clone())
            .map(|z| z.timestamp().as_millisecond())
            .unwrap_or(day)
    }

    /// The zone's offset from UTC at `ms`, in milliseconds.
    pub fn offset_ms(&self, ms: i64) -> i64 {
        self.zoned(ms).offset().seconds() as i64 * 1000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2026-11-30 04:10:44 UTC = 2026-11-30 12:10:44 in Shanghai (a Monday).
    const T: i64 = 1_796_011_844_000;

    #[test]
    fn shanghai_days_weeks_and_months() {
        let c = Calendar::new("Asia/Shanghai").unwrap();
        let day = c.day_start(T);
        assert_eq!((T - day) / 1000, 12 * 3600 + 10 * 60 + 44);
        assert_eq!(c.hour(T), 12);
        assert_eq!(c.period_of(T), "2026-11");
        assert_eq!(c.week_start(T), day, "a Monday starts its own week");
        assert_eq!(c.week_start(T + 3 * 86_400_000), day);
        assert_eq!(c.add_days(T, 1), day + 86_400_000);
        let (start, end) = c.month_bounds("2026-11").unwrap();
        assert_eq!(start, c.month_start(T));
        assert_eq!(end, c.add_days(day, 1), "November ends after the 30th");
        assert_eq!(c.period_of(start), "2026-11");
        assert_eq!(c.period_of(start - 1), "2026-10");
        assert_eq!(c.at(T, 9, 30), day + (9 * 60 + 30) * 60_000);
        assert_eq!(c.offset_ms(T), 8 * 3_600_000);
        for bad in ["2026-13", "2026-1", "26-11", "x", "2026-11-01"] {
            assert!(c.month_bounds(bad).is_none(), "{bad}");
        }
        assert!(Calendar::new("Mars/Olympus").is_err());
        assert_eq!(c.date_string(T), "2026-11-30");
        assert_eq!(c.datetime_string(T), "2026-11-30 12:10");
        assert_eq!(c.date_start("2026-11-30"), Some(day));
        assert_eq!(c.date_start("2026-11-31"), None);
        assert_eq!(c.date_start("2026-11-3"), None);
    }
}
