//! The domain's integration suite (pure: files in, values out).

mod labelstudio_gallery;
