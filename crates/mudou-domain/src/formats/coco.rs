//! coco: filled by its helper.
