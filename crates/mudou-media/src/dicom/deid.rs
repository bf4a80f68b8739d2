//! De-identification on the way in: DICOM PS3.15 Annex E, the Basic Application Level
//! Confidentiality Profile, applied to every data set right after it is read and before any
//! value is taken from it.
//!
//! Mudou keeps from a data set only what the viewer needs (geometry, modality, window,
//! rescale, photometric interpretation, burned-in flag) and never stores the DICOM file itself,
//! so most of the profile's work is done by not keeping anything else. The table below is
//! still applied to the whole data set (root and every sequence item), so that nothing
//! identifying can slip out through a later change that reads one more attribute:
//! - `X` remove, `Z` replace by an empty value, `D` replace by a dummy value: here all three
//!   remove the attribute, since nothing downstream needs it present;
//! - `U` (the study, series and SOP instance UIDs and the frame of reference) are replaced by
//!   `2.25.<decimal of the first 16 bytes of SHA-256(salt ‖ original)>` ([`deid_uid`]), salt
//!   per organisation; the originals are returned to the caller for the `dicom_uids` table;
//! - every private attribute (odd group) and every curve/overlay group (50xx, 60xx) is
//!   removed; so are all remaining person-name (PN) values and all dates/times (DA, DT, TM),
//!   whatever their tag, as the profile's "retain no dates" default asks.

use std::collections::HashMap;

use dicom_core::header::Header;
use dicom_core::value::{DataSetSequence, Value};
use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_object::InMemDicomObject;
use sha2::{Digest, Sha256};

/// What the profile does with an attribute (PS3.15 Table E.1-1's action codes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Removed (`X`, and `Z`/`D`, which Mudou also removes; see the module's words).
    Remove,
    /// A UID replaced by its salted hash (`U`).
    HashUid,
}

/// The attributes of PS3.15 Table E.1-1 (basic profile) that Mudou acts on by tag, with
/// their names. Private attributes, overlays, curves, person names and dates are removed by
/// rule as well (see the module's words).
pub const PROFILE: &[(u16, u16, &str, Action)] = {
    use Action::{HashUid as U, Remove as X};
    &[
        (0x0008, 0x0014, "InstanceCreatorUID", U),
        (0x0008, 0x0018, "SOPInstanceUID", U),
        (0x0008, 0x0020, "StudyDate", X),
        (0x0008, 0x0021, "SeriesDate", X),
        (0x0008, 0x0022, "AcquisitionDate", X),
        (0x0008, 0x0023, "ContentDate", X),
        (0x0008, 0x002A, "AcquisitionDateTime", X),
        (0x0008, 0x0030, "StudyTime", X),
        (0x0008, 0x0031, "SeriesTime", X),
        (0x0008, 0x0032, "AcquisitionTime", X),
        (0x0008, 0x0033, "ContentTime", X),
        (0x0008, 0x0050, "AccessionNumber", X),
        (0x0008, 0x0080, "InstitutionName", X),
        (0x0008, 0x0081, "InstitutionAddress", X),
        (0x0008, 0x0090, "ReferringPhysicianName", X),
        (0x0008, 0x0092, "ReferringPhysicianAddress", X),
        (0x0008, 0x0094, "ReferringPhysicianTelephoneNumbers", X),
        (
            0x0008,
            0x0096,
            "ReferringPhysicianIdentificationSequence",
            X,
        ),
        (0x0008, 0x1010, "StationName", X),
        (0x0008, 0x1030, "StudyDescription", X),
        (0x0008, 0x103E, "SeriesDescription", X),
        (0x0008, 0x1040, "InstitutionalDepartmentName", X),
        (0x0008, 0x1048, "PhysiciansOfRecord", X),
        (
            0x0008,
            0x1049,
            "PhysiciansOfRecordIdentificationSequence",
            X,
        ),
        (0x0008, 0x1050, "PerformingPhysicianName", X),
        (
            0x0008,
            0x1052,
            "PerformingPhysicianIdentificationSequence",
            X,
        ),
        (0x0008, 0x1060, "NameOfPhysiciansReadingStudy", X),
        (
            0x0008,
            0x1062,
            "PhysiciansReadingStudyIdentificationSequence",
            X,
        ),
        (0x0008, 0x1070, "OperatorsName", X),
        (0x0008, 0x1072, "OperatorIdentificationSequence", X),
        (0x0008, 0x1080, "AdmittingDiagnosesDescription", X),
        (0x0008, 0x1084, "AdmittingDiagnosesCodeSequence", X),
        (0x0008, 0x1110, "ReferencedStudySequence", X),
        (
            0x0008,
            0x1111,
            "ReferencedPerformedProcedureStepSequence",
            X,
        ),
        (0x0008, 0x1120, "ReferencedPatientSequence", X),
        (0x0008, 0x1140, "ReferencedImageSequence", X),
        (0x0008, 0x1155, "ReferencedSOPInstanceUID", U),
        (0x0008, 0x2111, "DerivationDescription", X),
        (0x0008, 0x3010, "IrradiationEventUID", U),
        (0x0010, 0x0010, "PatientName", X),
        (0x0010, 0x0020, "PatientID", X),
        (0x0010, 0x0021, "IssuerOfPatientID", X),
        (0x0010, 0x0030, "PatientBirthDate", X),
        (0x0010, 0x0032, "PatientBirthTime", X),
        (0x0010, 0x0040, "PatientSex", X),
        (0x0010, 0x0050, "PatientInsurancePlanCodeSequence", X),
        (0x0010, 0x1000, "OtherPatientIDs", X),
        (0x0010, 0x1001, "OtherPatientNames", X),
        (0x0010, 0x1002, "OtherPatientIDsSequence", X),
        (0x0010, 0x1005, "PatientBirthName", X),
        (0x0010, 0x1010, "PatientAge", X),
        (0x0010, 0x1020, "PatientSize", X),
        (0x0010, 0x1030, "PatientWeight", X),
        (0x0010, 0x1040, "PatientAddress", X),
        (0x0010, 0x1060, "PatientMotherBirthName", X),
        (0x0010, 0x1090, "MedicalRecordLocator", X),
        (0x0010, 0x2150, "CountryOfResidence", X),
        (0x0010, 0x2152, "RegionOfResidence", X),
        (0x0010, 0x2154, "PatientTelephoneNumbers", X),
        (0x0010, 0x2160, "EthnicGroup", X),
        (0x0010, 0x2180, "Occupation", X),
        (0x0010, 0x21A0, "SmokingStatus", X),
        (0x0010, 0x21B0, "AdditionalPatientHistory", X),
        (0x0010, 0x21C0, "PregnancyStatus", X),
        (0x0010, 0x21F0, "PatientReligiousPreference", X),
        (0x0010, 0x4000, "PatientComments", X),
        (0x0018, 0x1000, "DeviceSerialNumber", X),
        (0x0018, 0x1030, "ProtocolName", X),
        (0x0018, 0x1400, "AcquisitionDeviceProcessingDescription", X),
        (0x0018, 0x700A, "DetectorID", X),
        (0x0020, 0x000D, "StudyInstanceUID", U),
        (0x0020, 0x000E, "SeriesInstanceUID", U),
        (0x0020, 0x0010, "StudyID", X),
        (0x0020, 0x0052, "FrameOfReferenceUID", U),
        (0x0020, 0x0200, "SynchronizationFrameOfReferenceUID", U),
        (0x0020, 0x4000, "ImageComments", X),
        (0x0032, 0x1032, "RequestingPhysician", X),
        (0x0032, 0x1033, "RequestingService", X),
        (0x0032, 0x1060, "RequestedProcedureDescription", X),
        (0x0032, 0x4000, "StudyComments", X),
        (0x0038, 0x0010, "AdmissionID", X),
        (0x0038, 0x0300, "CurrentPatientLocation", X),
        (0x0038, 0x0400, "PatientInstitutionResidence", X),
        (0x0040, 0x0006, "ScheduledPerformingPhysicianName", X),
        (0x0040, 0x0244, "PerformedProcedureStepStartDate", X),
        (0x0040, 0x0245, "PerformedProcedureStepStartTime", X),
        (0x0040, 0x0253, "PerformedProcedureStepID", X),
        (0x0040, 0x0254, "PerformedProcedureStepDescription", X),
        (0x0040, 0x0275, "RequestAttributesSequence", X),
        (0x0040, 0x1001, "RequestedProcedureID", X),
        (0x0040, 0x2016, "PlacerOrderNumberImagingServiceRequest", X),
        (0x0040, 0x2017, "FillerOrderNumberImagingServiceRequest", X),
        (0x0040, 0xA124, "UID", U),
        (0x0040, 0xA730, "ContentSequence", X),
        (0x0088, 0x0140, "StorageMediaFileSetUID", U),
        (0x3006, 0x0024, "ReferencedFrameOfReferenceUID", U),
        (0x3006, 0x00C2, "RelatedFrameOfReferenceUID", U),
        (0x4000, 0x0010, "Arbitrary", X),
        (0x4000, 0x4000, "TextComments", X),
        (0x4008, 0x0114, "PhysicianApprovingInterpretation", X),
        (0xFFFA, 0xFFFA, "DigitalSignaturesSequence", X),
    ]
};

/// Which of the study/series UIDs an original was (the `dicom_uids.level` column).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UidLevel {
    Study,
    Series,
}

impl UidLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            UidLevel::Study => "study",
            UidLevel::Series => "series",
        }
    }
}

/// A de-identified UID: `2.25.` and the decimal of the first 16 bytes of
/// SHA-256(salt ‖ original) (a UUID-derived UID as PS3.5 B.2 allows; at most 44 characters).
pub fn deid_uid(salt: &[u8], original: &str) -> String {
    let mut h = Sha256::new();
    h.update(salt);
    h.update(original.trim_end_matches(['\0', ' ']).as_bytes());
    let d = h.finalize();
    let mut first = [0u8; 16];
    first.copy_from_slice(&d[..16]);
    format!("2.25.{}", u128::from_be_bytes(first))
}

/// The originals of the UIDs replaced in one data set, by their de-identified value.
pub type UidMap = HashMap<String, String>;

/// Applies the profile to a data set in place (root and every nested item). Returns the
/// replaced UIDs (de-identified → original).
pub fn deidentify(obj: &mut InMemDicomObject, salt: &[u8]) -> UidMap {
    let mut map = UidMap::new();
    clean(obj, salt, &mut map);
    map
}

fn action_of(tag: Tag) -> Option<Action> {
    PROFILE
        .iter()
        .find(|(g, e, _, _)| Tag(*g, *e) == tag)
        .map(|(_, _, _, a)| *a)
}

fn clean(obj: &mut InMemDicomObject, salt: &[u8], map: &mut UidMap) {
    let tags: Vec<(Tag, VR)> = obj.iter().map(|e| (e.tag(), e.vr())).collect();
    for (tag, vr) in tags {
        let group = tag.group();
        let by_rule = group % 2 == 1
            || (0x5000..=0x50FF).contains(&group)
            || (0x6000..=0x60FF).contains(&group)
            || matches!(vr, VR::PN | VR::DA | VR::DT | VR::TM);
        match action_of(tag) {
            Some(Action::Remove) => {
                obj.remove_element(tag);
            }
            Some(Action::HashUid) => {
                let original = obj
                    .get(tag)
                    .and_then(|e| e.to_str().ok())
                    .map(|s| s.trim_end_matches(['\0', ' ']).to_string());
                match original {
                    Some(o) if !o.is_empty() => {
                        let d = deid_uid(salt, &o);
                        map.insert(d.clone(), o);
                        obj.put(DataElement::new(tag, VR::UI, PrimitiveValue::from(d)));
                    }
                    _ => {
                        obj.remove_element(tag);
                    }
                }
            }
            None if by_rule => {
                obj.remove_element(tag);
            }
            None => {
                // Clean inside sequences too.
                if vr == VR::SQ
                    && let Some(elt) = obj.take(tag)
                {
                    let header = *elt.header();
                    if let Value::Sequence(seq) = elt.into_value() {
                        let mut items: Vec<InMemDicomObject> = seq.into_items().into_vec();
                        for item in &mut items {
                            clean(item, salt, map);
                        }
                        obj.put(DataElement::new(
                            header.tag,
                            VR::SQ,
                            DataSetSequence::from(items),
                        ));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uids_hash_per_salt() {
        let a = deid_uid(b"org-1", "1.2.3.4");
        assert!(a.starts_with("2.25."));
        assert!(a.len() <= 64);
        assert_eq!(a, deid_uid(b"org-1", "1.2.3.4\0"));
        assert_ne!(a, deid_uid(b"org-2", "1.2.3.4"));
        assert_ne!(a, deid_uid(b"org-1", "1.2.3.5"));
    }

    #[test]
    fn the_table_names_each_tag_once() {
        let mut seen = std::collections::HashSet::new();
        for (g, e, _, _) in PROFILE {
            assert!(seen.insert((*g, *e)), "{g:04X},{e:04X} twice");
        }
    }
}
