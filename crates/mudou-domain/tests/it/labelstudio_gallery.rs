//! Label Studio's own template gallery (vendored in `tests/fixtures/labelstudio-gallery`,
//! see its NOTICE) read as templates: the configs that map make valid templates of the
//! expected kinds, the others are refused naming each tag that does not map.

use mudou_domain::labelstudio::{ConfigError, config_from_template, template_from_config};

/// The `config: |` block of a gallery `config.yml`.
fn config_of(yml: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for line in yml.lines() {
        if inside {
            if !line.is_empty() && !line.starts_with(' ') {
                break;
            }
            out.push_str(line.strip_prefix("  ").unwrap_or(line));
            out.push('\n');
        } else if line.trim_end() == "config: |" {
            inside = true;
        }
    }
    assert!(!out.trim().is_empty(), "no config in {yml}");
    out
}

fn read(path: &str) -> String {
    let p = format!(
        "{}/tests/fixtures/labelstudio-gallery/{path}/config.yml",
        env!("CARGO_MANIFEST_DIR")
    );
    config_of(&std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}")))
}

#[test]
fn mappable_gallery_configs_make_valid_templates() {
    type Kinds<'a> = &'a [&'a str];
    let cases: &[(&str, Kinds<'_>, Kinds<'_>)] = &[
        (
            "computer-vision/image-classification",
            &["image"],
            &["choice"],
        ),
        (
            "natural-language-processing/text-classification",
            &["text"],
            &["choice"],
        ),
        (
            "natural-language-processing/content-moderation",
            &["text"],
            &["multi_choice", "text"],
        ),
        (
            "computer-vision/object-detection-with-bounding-boxes",
            &["image"],
            &["boxes"],
        ),
        ("computer-vision/keypoints", &["img"], &["keypoints"]),
        (
            "computer-vision/semantic-segmentation-with-polygons",
            &["image"],
            &["polygon"],
        ),
        (
            "computer-vision/medical-image-classification-with-bboxes",
            &["image"],
            &["boxes", "choice"],
        ),
        (
            "computer-vision/image-captioning",
            &["captioning"],
            &["text"],
        ),
        (
            "ranking-and-scoring/pairwise-regression",
            &["image1", "image2"],
            &["rating"],
        ),
        (
            "generative-ai/response-grading",
            &["document", "summary"],
            &["rating"],
        ),
        (
            "community-contributions/two-level-sentiment-analysis-of-x-twitter-posts",
            &["tweet"],
            &["choice", "multi_choice"],
        ),
        (
            "community-contributions/breast-cancer-mammogram-classification",
            &["img1", "img3", "img2", "img4"],
            &[
                "choice",
                "choice",
                "multi_choice",
                "choice",
                "choice",
                "multi_choice",
                "text",
            ],
        ),
        ("mudou/per-region-attributes", &["image"], &["boxes"]),
    ];
    for (path, fields, kinds) in cases {
        let t =
            template_from_config(&read(path)).unwrap_or_else(|e| panic!("{path}: {}", e.message()));
        t.validate().unwrap();
        assert_eq!(
            t.fields.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(),
            *fields,
            "{path}"
        );
        assert_eq!(
            t.questions
                .iter()
                .map(|q| q.kind.as_str())
                .collect::<Vec<_>>(),
            *kinds,
            "{path}"
        );
        // What Mudou writes back reads as the same template.
        assert_eq!(
            template_from_config(&config_from_template(&t)).unwrap(),
            mudou_domain::labelstudio::normalise(&t),
            "{path}"
        );
        match *path {
            "community-contributions/two-level-sentiment-analysis-of-x-twitter-posts" => {
                let c = t.questions[1].when.as_ref().unwrap();
                assert_eq!(c.question, "sentiment");
                assert_eq!(c.any_of.len(), 3, "any sentiment chosen");
            }
            "mudou/per-region-attributes" => {
                let a = &t.questions[0].settings.attributes;
                assert_eq!(a.len(), 2);
                assert!(a[0].options.is_empty(), "yes/no");
                assert_eq!(a[1].name_zh, "Pose");
                assert_eq!(t.questions[0].options[0].colour.as_deref(), Some("#1e88e5"));
            }
            "natural-language-processing/content-moderation" => {
                assert!(
                    t.questions[0].required,
                    "the first question becomes required"
                );
                assert!(!t.questions[1].required);
            }
            _ => {}
        }
    }
}

#[test]
fn other_gallery_configs_are_refused_naming_each_tag() {
    type Refused<'a> = &'a [(&'a str, Option<&'a str>)];
    let cases: &[(&str, Refused<'_>)] = &[
        (
            "natural-language-processing/named-entity-recognition",
            &[("Labels", Some("label"))],
        ),
        (
            "computer-vision/optical-character-recognition",
            &[
                ("Labels", Some("label")),
                ("Rectangle", Some("bbox")),
                ("Polygon", Some("poly")),
                ("TextArea", Some("transcription")),
            ],
        ),
        (
            "ranking-and-scoring/pairwise-classification",
            &[("Pairwise", Some("pw"))],
        ),
        (
            "natural-language-processing/taxonomy",
            &[("Taxonomy", Some("taxonomy"))],
        ),
        (
            "structured-data-parsing/pdf-classification",
            &[
                ("Rating", Some("rating")),
                ("Choices", Some("choices")),
                ("Pdf", Some("pdf")),
            ],
        ),
        (
            "computer-vision/visual-genome",
            &[
                ("RectangleLabels", Some("regions")),
                ("RectangleLabels", Some("attributes")),
                ("RectangleLabels", Some("relationships")),
            ],
        ),
        (
            "community-contributions/ocr-invoices-pre-ner-bio-format",
            &[("TextArea", Some("transcription"))],
        ),
    ];
    for (path, want) in cases {
        let err = template_from_config(&read(path)).unwrap_err();
        let ConfigError::Unsupported(list) = &err else {
            panic!("{path}: {err:?}");
        };
        let got: Vec<(&str, Option<&str>)> = list
            .iter()
            .map(|u| (u.tag.as_str(), u.name.as_deref()))
            .collect();
        assert_eq!(got, *want, "{path}: {}", err.message());
        for (tag, _) in *want {
            assert!(err.message().contains(tag), "{}", err.message());
        }
    }
}
