//! yolo: filled by its helper.
