//! cvat: filled by its helper.
