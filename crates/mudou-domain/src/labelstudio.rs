//! Label Studio, both ways: a labelling config (XML) read as a [`Template`] and a template
//! written as a config; an answer written as Label Studio `result` entries and results read
//! back as an answer.
//!
//! What maps: the object tags `Image`, `Text` and `Paragraphs` (a conversation field: a
//! list of `{"role", "content"}`; written with `layout="dialogue"`) whose `value` is `$key`
//! (any data key becomes a field of that name; a Markdown field is written as `Text`), and the control tags `Choices` (`choice="single"` or
//! `"single-radio"` → `choice`, `"multiple"` → `multi_choice`), `Rating` (`maxRating` steps),
//! `Number` (`min`, `max`, `step`), `TextArea` (`maxLength` → `max_chars`) and
//! `RectangleLabels` (boxes; a `Label`'s `background` is kept when it is `#rrggbb`;
//! `canRotate="true"` → rotated boxes), `PolygonLabels` (polygons), `BrushLabels` (masks)
//! and `KeyPointLabels` (keypoints: see `labelstudio/shapes.rs` for the skeleton), with
//! `Choices perRegion="true"` on the same picture as the shapes' attributes. Label Studio
//! has no line tag: a polyline question is left out of a written config (a `Header` says
//! so) and out of written results. `required`,
//! `toName` (the question's field; several names: the item as a whole) and
//! `visibleWhen="choice-selected"` with `whenTagName`/`whenChoiceValue` (on the control or
//! a `View` around it) carry over. A `Header` names the next field, question or attribute.
//! Pure layout (`View`, `Header`, `Style`, `Filter`, `Collapse`, `Panel`) is passed through;
//! a `Text` or `Image` with a fixed value is decoration. Anything else is refused, every
//! such tag listed.
//!
//! Written configs give each option `value` = its Chinese name, `alias` = its key (so
//! Label Studio's results carry keys), `hint` = its English name; the layout rides on the
//! fields' `View` as `className="mudou-layout-…"`. English titles, icons, rating step
//! names, units, tolerances and conditions on ratings have no place in a config and are
//! not written ([`normalise`] says exactly what survives a round trip).

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use serde_json::{Map, Value, json};
use utoipa::ToSchema;

use crate::ValidationError;
use crate::template::{
    AttributeDef, Condition, FieldDef, FieldKind, Layout, OptionDef, Question, Settings, Skeleton,
    SkeletonPoint, Template, is_colour, is_key,
};

pub mod brush;
mod shapes;

/// The sigma of a keypoint read from a config (Label Studio has none): between COCO's.
pub const DEFAULT_SIGMA: f64 = 0.05;

/// Whether a kind is drawn on a picture as regions Label Studio keeps (boxes and
/// [`shapes::KINDS`]).
fn is_drawn(kind: &str) -> bool {
    kind == "boxes" || shapes::KINDS.contains(&kind)
}

/// A tag of a config that has no place in a template.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct UnsupportedTag {
    /// The tag, e.g. `PolygonLabels`.
    pub tag: String,
    /// Its `name=` attribute, when it has one.
    pub name: Option<String>,
    /// Why it cannot be taken.
    pub reason: String,
}

/// Why a config did not become a template.
#[derive(Clone, Debug, PartialEq)]
pub enum ConfigError {
    /// Not well-formed XML, or not a `<View>`.
    Xml(String),
    /// Tags a template cannot hold, each listed.
    Unsupported(Vec<UnsupportedTag>),
    /// The template it makes breaks a template rule.
    Invalid(ValidationError),
}

impl ConfigError {
    pub fn message(&self) -> String {
        match self {
            ConfigError::Xml(m) => format!("not a Label Studio config: {m}"),
            ConfigError::Unsupported(list) => format!(
                "unsupported tags: {}",
                list.iter()
                    .map(|u| match &u.name {
                        Some(n) => format!("{} name={n:?} ({})", u.tag, u.reason),
                        None => format!("{} ({})", u.tag, u.reason),
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            ConfigError::Invalid(e) => format!("the config makes no valid template: {e}"),
        }
    }
}

/// The longest config read.
pub const MAX_CONFIG_BYTES: usize = 256 << 10;

const LAYOUT_TAGS: &[&str] = &["View", "Header", "Style", "Filter", "Collapse", "Panel"];

/// A key from any text: letters, digits, `_`, `-`, `.` kept, the rest `_`, at most 40 bytes.
fn keyify(s: &str) -> String {
    let k: String = s
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '_'
            }
        })
        .take(40)
        .collect();
    k
}

fn cut(s: &str, n: usize) -> String {
    s.trim().chars().take(n).collect()
}

fn truthy(v: Option<&str>) -> bool {
    matches!(v.map(str::trim), Some("true" | "True" | "1" | "yes"))
}

/// A `visibleWhen` read, before the question it names is known.
#[derive(Clone, Debug)]
struct RawWhen {
    tag_name: String,
    values: Option<Vec<String>>,
}

/// Each option's Label Studio names (its `value` and `alias`), to find it by either.
type LsNames = Vec<(String, Vec<String>)>;

struct Reader<'a> {
    /// Object tag name → field name.
    objects: HashMap<&'a str, String>,
    fields: Vec<FieldDef>,
    questions: Vec<Question>,
    /// Per question: its Label Studio name, raw condition, option names.
    ls: Vec<(String, Option<RawWhen>, LsNames)>,
    /// Per-region choices, read after every box question is known.
    per_region: Vec<(roxmltree::Node<'a, 'a>, Option<String>)>,
    unsupported: Vec<UnsupportedTag>,
    hotkeys: HashSet<char>,
    header: Option<String>,
    layout: Option<Layout>,
}

fn unsupported(node: roxmltree::Node<'_, '_>, reason: impl Into<String>) -> UnsupportedTag {
    UnsupportedTag {
        tag: node.tag_name().name().to_owned(),
        name: node.attribute("name").map(str::to_owned),
        reason: reason.into(),
    }
}

fn header_text(node: roxmltree::Node<'_, '_>) -> Option<String> {
    let v = node
        .attribute("value")
        .map(str::to_owned)
        .or_else(|| node.text().map(str::to_owned))?;
    let v = v.trim();
    (!v.is_empty() && !v.starts_with('$')).then(|| v.to_owned())
}

impl<'a> Reader<'a> {
    /// The options of a `Choices` or `RectangleLabels` from its `Choice`/`Label` children.
    fn options(
        &mut self,
        node: roxmltree::Node<'a, 'a>,
        child: &str,
        hotkeys: bool,
    ) -> (Vec<OptionDef>, LsNames) {
        let mut out: Vec<OptionDef> = Vec::new();
        let mut names = Vec::new();
        let mut keys = HashSet::new();
        for c in node.descendants().skip(1).filter(|n| n.is_element()) {
            let tag = c.tag_name().name();
            if tag == child {
                if c.children()
                    .any(|n| n.is_element() && n.has_tag_name(child))
                {
                    self.unsupported
                        .push(unsupported(node, "nested options (a taxonomy)"));
                    continue;
                }
                let value = c.attribute("value").unwrap_or_default().trim().to_owned();
                let alias = c
                    .attribute("alias")
                    .map(str::trim)
                    .filter(|a| !a.is_empty());
                let mut key = keyify(alias.unwrap_or(&value));
                if key.is_empty() || key.bytes().all(|b| b == b'_') || !keys.insert(key.clone()) {
                    key = format!("o{}", out.len() + 1);
                    keys.insert(key.clone());
                }
                let hotkey = c
                    .attribute("hotkey")
                    .filter(|_| hotkeys)
                    .and_then(|h| {
                        let mut ch = h.chars();
                        match (ch.next(), ch.next()) {
                            (Some(c), None) if c.is_ascii_alphanumeric() => Some(c),
                            _ => None,
                        }
                    })
                    .filter(|h| self.hotkeys.insert(h.to_ascii_lowercase()));
                let name_zh = if value.is_empty() {
                    key.clone()
                } else {
                    cut(&value, 40)
                };
                let mut ls = vec![value.clone()];
                ls.extend(alias.map(str::to_owned));
                names.push((key.clone(), ls));
                out.push(OptionDef {
                    key,
                    name_zh,
                    name_en: cut(c.attribute("hint").unwrap_or_default(), 40),
                    colour: c
                        .attribute("background")
                        .map(str::trim)
                        .filter(|b| is_colour(b))
                        .map(str::to_owned),
                    hotkey,
                    icon: None,
                });
            } else if !LAYOUT_TAGS.contains(&tag) {
                self.unsupported.push(unsupported(
                    c,
                    format!("not an option of {}", node.tag_name().name()),
                ));
            }
        }
        (out, names)
    }

    /// A `KeyPointLabels`' classes and skeleton: labels aliased `class:point` (as written
    /// configs have them) give each class the same points; other labels are the points of
    /// one class named after the control. Points come in their `model_index` order (else
    /// as listed), each with sigma [`DEFAULT_SIGMA`]; Label Studio has no edges.
    fn keypoint_labels(
        &mut self,
        node: roxmltree::Node<'a, 'a>,
        name: &str,
    ) -> Option<(Vec<OptionDef>, Skeleton)> {
        let mut classes: Vec<OptionDef> = Vec::new();
        let mut points: Vec<(Option<u32>, SkeletonPoint)> = Vec::new();
        for c in node.descendants().skip(1).filter(|n| n.is_element()) {
            if c.tag_name().name() != "Label" {
                if !LAYOUT_TAGS.contains(&c.tag_name().name()) {
                    self.unsupported
                        .push(unsupported(c, "not an option of KeyPointLabels"));
                }
                continue;
            }
            let value = c.attribute("value").unwrap_or_default().trim();
            let alias = c.attribute("alias").map(str::trim).unwrap_or(value);
            let (class, point, zh) = match alias.split_once(':') {
                Some((cl, p)) => {
                    let zh = value.split_once('·').map_or(value, |(_, z)| z);
                    (Some((cl, value)), p, zh)
                }
                None => (None, alias, value),
            };
            if let Some((cl, v)) = class
                && !classes.iter().any(|o| o.key == keyify(cl))
            {
                let cname = v.split_once('·').map_or(cl, |(c, _)| c);
                classes.push(OptionDef {
                    key: keyify(cl),
                    name_zh: cut(cname, 40),
                    name_en: String::new(),
                    colour: c
                        .attribute("background")
                        .map(str::trim)
                        .filter(|b| is_colour(b))
                        .map(str::to_owned),
                    hotkey: None,
                    icon: None,
                });
            }
            let key = keyify(point);
            if !points.iter().any(|(_, p)| p.key == key) {
                points.push((
                    c.attribute("model_index")
                        .and_then(|m| m.trim().parse().ok()),
                    SkeletonPoint {
                        name_zh: if zh.is_empty() {
                            key.clone()
                        } else {
                            cut(zh, 40)
                        },
                        key,
                        name_en: cut(c.attribute("hint").unwrap_or_default(), 40),
                        sigma: DEFAULT_SIGMA,
                    },
                ));
            }
        }
        if points.is_empty() {
            self.unsupported
                .push(unsupported(node, "keypoints without a point"));
            return None;
        }
        if classes.is_empty() {
            classes.push(OptionDef {
                key: keyify(name),
                name_zh: cut(name, 40),
                name_en: String::new(),
                colour: None,
                hotkey: None,
                icon: None,
            });
        }
        points.sort_by_key(|(i, _)| i.unwrap_or(u32::MAX));
        Some((
            classes,
            Skeleton {
                points: points.into_iter().map(|(_, p)| p).collect(),
                edges: Vec::new(),
            },
        ))
    }

    /// The field a control's `toName` points at (`None`: several, the item as a whole).
    fn target(&mut self, node: roxmltree::Node<'_, '_>) -> Result<Option<String>, ()> {
        let Some(to) = node.attribute("toName") else {
            return Ok(None);
        };
        let mut fields = Vec::new();
        for n in to.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            match self.objects.get(n) {
                Some(f) => fields.push(f.clone()),
                None => {
                    self.unsupported.push(unsupported(
                        node,
                        format!("toName {n:?} is no Image or Text of the task's data"),
                    ));
                    return Err(());
                }
            }
        }
        Ok(if fields.len() == 1 {
            fields.pop()
        } else {
            None
        })
    }

    fn when(
        &mut self,
        node: roxmltree::Node<'_, '_>,
        inherited: &Option<RawWhen>,
    ) -> Option<RawWhen> {
        match read_when(node) {
            Ok(Some(w)) => Some(w),
            Ok(None) => inherited.clone(),
            Err(reason) => {
                self.unsupported.push(unsupported(node, reason));
                None
            }
        }
    }

    fn walk(&mut self, node: roxmltree::Node<'a, 'a>, when: &Option<RawWhen>) {
        for c in node.children().filter(|n| n.is_element()) {
            let tag = c.tag_name().name();
            match tag {
                "View" | "Collapse" | "Panel" => {
                    let w = self.when(c, when);
                    self.walk(c, &w);
                }
                "Header" => self.header = header_text(c),
                "Style" | "Filter" => {}
                "Image" | "Text" | "Paragraphs" => {
                    let title = self.header.take();
                    if let Some(name) = c.attribute("name")
                        && let Some(field) = self.objects.get(name)
                        && let Some(f) = self.fields.iter_mut().find(|f| &f.name == field)
                    {
                        f.title_zh = title.map(|t| cut(&t, 40)).unwrap_or_default();
                    }
                }
                "Choices" if truthy(c.attribute("perRegion")) => {
                    self.per_region.push((c, self.header.take()));
                }
                "Choices" | "Rating" | "Number" | "TextArea" | "RectangleLabels"
                | "PolygonLabels" | "BrushLabels" | "KeyPointLabels" => self.control(c, when),
                _ => self.unsupported.push(unsupported(
                    c,
                    if c.attribute("toName").is_some() {
                        "not a kind of question Mudou asks"
                    } else {
                        "not a kind of field Mudou shows"
                    },
                )),
            }
        }
    }

    fn control(&mut self, c: roxmltree::Node<'a, 'a>, inherited: &Option<RawWhen>) {
        let tag = c.tag_name().name();
        let title = self.header.take();
        let Some(name) = c.attribute("name").map(str::trim).filter(|n| !n.is_empty()) else {
            self.unsupported
                .push(unsupported(c, "a control without a name"));
            return;
        };
        let key = keyify(name);
        let Ok(field) = self.target(c) else { return };
        let when = self.when(c, inherited);
        let mut options = Vec::new();
        let mut names = Vec::new();
        let mut settings = Settings::default();
        let kind = match tag {
            "Choices" => {
                if c.attribute("value").is_some_and(|v| v.contains('$')) {
                    self.unsupported
                        .push(unsupported(c, "options taken from the task's data"));
                    return;
                }
                (options, names) = self.options(c, "Choice", true);
                match c.attribute("choice").map(str::trim) {
                    None | Some("single" | "single-radio") => "choice",
                    Some("multiple") => "multi_choice",
                    Some(other) => {
                        self.unsupported
                            .push(unsupported(c, format!("choice={other:?}")));
                        return;
                    }
                }
            }
            "RectangleLabels" | "PolygonLabels" | "BrushLabels" | "KeyPointLabels" => {
                if c.attribute("value").is_some_and(|v| v.contains('$')) {
                    self.unsupported
                        .push(unsupported(c, "classes taken from the task's data"));
                    return;
                }
                if field.is_none() || c.attribute("toName").is_none_or(|t| t.contains(',')) {
                    self.unsupported
                        .push(unsupported(c, "shapes are drawn on one picture"));
                    return;
                }
                match tag {
                    "KeyPointLabels" => {
                        let Some((o, skeleton)) = self.keypoint_labels(c, name) else {
                            return;
                        };
                        options = o;
                        settings.skeleton = Some(skeleton);
                        "keypoints"
                    }
                    _ => {
                        (options, names) = self.options(c, "Label", true);
                        match tag {
                            "PolygonLabels" => "polygon",
                            "BrushLabels" => "mask",
                            _ if truthy(c.attribute("canRotate")) => "rotated_box",
                            _ => "boxes",
                        }
                    }
                }
            }
            "Rating" => {
                let n = c
                    .attribute("maxRating")
                    .map(|m| m.trim().parse::<usize>().unwrap_or(0))
                    .unwrap_or(5);
                if !(2..=10).contains(&n) {
                    self.unsupported
                        .push(unsupported(c, "a rating has 2 to 10 steps"));
                    return;
                }
                options = (1..=n)
                    .map(|i| OptionDef {
                        key: i.to_string(),
                        name_zh: i.to_string(),
                        name_en: String::new(),
                        colour: None,
                        hotkey: None,
                        icon: None,
                    })
                    .collect();
                "rating"
            }
            "Number" => {
                let num = |a: &str| c.attribute(a).and_then(|v| v.trim().parse::<f64>().ok());
                let (Some(min), Some(max)) = (num("min"), num("max")) else {
                    self.unsupported
                        .push(unsupported(c, "a number needs min and max"));
                    return;
                };
                settings.min = Some(min);
                settings.max = Some(max);
                settings.step = num("step");
                "number"
            }
            _ => {
                if truthy(c.attribute("perRegion")) {
                    self.unsupported
                        .push(unsupported(c, "a text per drawn region"));
                    return;
                }
                settings.max_chars = c
                    .attribute("maxLength")
                    .and_then(|v| v.trim().parse::<u32>().ok())
                    .map(|n| n.clamp(1, 2000));
                "text"
            }
        };
        let title_zh = title.map(|t| cut(&t, 80)).unwrap_or_else(|| cut(name, 80));
        self.ls.push((name.to_owned(), when, names));
        self.questions.push(Question {
            key,
            kind: kind.into(),
            title_zh,
            title_en: String::new(),
            field,
            required: truthy(c.attribute("required")),
            when: None,
            options,
            settings,
            read_aloud: String::new(),
        });
    }

    /// Per-region choices become attributes of the boxes drawn on the same picture.
    fn attributes(&mut self) {
        for (c, title) in std::mem::take(&mut self.per_region) {
            let Some(name) = c.attribute("name").map(str::trim).filter(|n| !n.is_empty()) else {
                self.unsupported
                    .push(unsupported(c, "a control without a name"));
                continue;
            };
            match c.attribute("visibleWhen") {
                None | Some("region-selected") => {}
                Some(other) => {
                    self.unsupported
                        .push(unsupported(c, format!("visibleWhen={other:?} per region")));
                    continue;
                }
            }
            let Ok(field) = self.target(c) else { continue };
            let boxes: Vec<usize> = (0..self.questions.len())
                .filter(|&i| is_drawn(&self.questions[i].kind) && self.questions[i].field == field)
                .collect();
            let at = boxes
                .iter()
                .copied()
                .find(|&i| name.starts_with(&format!("{}.", self.questions[i].key)))
                .or(boxes.first().copied());
            let Some(at) = at else {
                self.unsupported.push(unsupported(
                    c,
                    "per-region choices go with shapes drawn on the same picture",
                ));
                continue;
            };
            let prefix = format!("{}.", self.questions[at].key);
            let key = keyify(name.strip_prefix(&prefix).unwrap_or(name));
            let (mut options, _) = self.options(c, "Choice", false);
            let multiple = c.attribute("choice") == Some("multiple");
            let attr = match (multiple, options.len()) {
                (true, 1) => {
                    let o = options.remove(0);
                    AttributeDef {
                        key,
                        name_zh: o.name_zh,
                        name_en: o.name_en,
                        options: Vec::new(),
                        required: false,
                    }
                }
                (false, n) if n >= 2 => AttributeDef {
                    name_zh: title.map(|t| cut(&t, 40)).unwrap_or_else(|| cut(name, 40)),
                    key,
                    name_en: String::new(),
                    options,
                    required: false,
                },
                _ => {
                    self.unsupported.push(unsupported(
                        c,
                        "an attribute is one of 2 or more choices, or one yes/no choice",
                    ));
                    continue;
                }
            };
            self.questions[at].settings.attributes.push(attr);
        }
    }

    /// Conditions name earlier questions' options.
    fn conditions(&mut self) {
        for i in 0..self.questions.len() {
            let Some(w) = self.ls[i].1.clone() else {
                continue;
            };
            let found = self.ls[..i]
                .iter()
                .position(|(n, _, _)| *n == w.tag_name)
                .filter(|&j| matches!(self.questions[j].kind.as_str(), "choice" | "multi_choice"));
            let fail = |reason: String| UnsupportedTag {
                tag: "visibleWhen".into(),
                name: Some(self.ls[i].0.clone()),
                reason,
            };
            let Some(j) = found else {
                self.unsupported.push(fail(format!(
                    "whenTagName {:?} is no choice asked before",
                    w.tag_name
                )));
                continue;
            };
            let any_of: Option<Vec<String>> = match &w.values {
                None => Some(
                    self.questions[j]
                        .options
                        .iter()
                        .map(|o| o.key.clone())
                        .collect(),
                ),
                Some(vals) => vals
                    .iter()
                    .map(|v| {
                        self.ls[j]
                            .2
                            .iter()
                            .find(|(k, names)| k == v || names.iter().any(|n| n == v))
                            .map(|(k, _)| k.clone())
                    })
                    .collect(),
            };
            match any_of {
                Some(any_of) if !any_of.is_empty() => {
                    self.questions[i].when = Some(Condition {
                        question: self.questions[j].key.clone(),
                        any_of,
                    });
                }
                _ => self.unsupported.push(fail(format!(
                    "whenChoiceValue names no choice of {:?}",
                    w.tag_name
                ))),
            }
        }
    }
}

fn read_when(node: roxmltree::Node<'_, '_>) -> Result<Option<RawWhen>, String> {
    match node.attribute("visibleWhen").map(str::trim) {
        None => Ok(None),
        Some("choice-selected") => {
            let Some(tag_name) = node.attribute("whenTagName") else {
                return Err("visibleWhen=\"choice-selected\" without whenTagName".into());
            };
            let values = node.attribute("whenChoiceValue").map(|v| {
                v.split(',')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect()
            });
            Ok(Some(RawWhen {
                tag_name: tag_name.trim().to_owned(),
                values,
            }))
        }
        Some(other) => Err(format!("visibleWhen={other:?}")),
    }
}

fn layout_of(class: &str, style: &str) -> Option<Layout> {
    for (c, l) in [
        ("mudou-layout-one", Layout::One),
        ("mudou-layout-side-by-side", Layout::SideBySide),
        ("mudou-layout-swipe", Layout::Swipe),
        ("mudou-layout-stacked", Layout::Stacked),
    ] {
        if class.split_whitespace().any(|x| x == c) {
            return Some(l);
        }
    }
    let style = style.replace(' ', "");
    (style.contains("display:flex") || style.contains("display:grid")).then_some(Layout::SideBySide)
}

/// Reads a Label Studio labelling config as a template (see the module's words for what
/// maps). The template has passed [`Template::validate`].
pub fn template_from_config(xml: &str) -> Result<Template, ConfigError> {
    if xml.len() > MAX_CONFIG_BYTES {
        return Err(ConfigError::Xml(format!(
            "a config is at most {} KiB",
            MAX_CONFIG_BYTES >> 10
        )));
    }
    let opts = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: 50_000,
        ..Default::default()
    };
    let doc = roxmltree::Document::parse_with_options(xml, opts)
        .map_err(|e| ConfigError::Xml(e.to_string()))?;
    let root = doc.root_element();
    if root.tag_name().name() != "View" {
        return Err(ConfigError::Xml(format!(
            "the config is a <View>, not a <{}>",
            root.tag_name().name()
        )));
    }
    let mut r = Reader {
        objects: HashMap::new(),
        fields: Vec::new(),
        questions: Vec::new(),
        ls: Vec::new(),
        per_region: Vec::new(),
        unsupported: Vec::new(),
        hotkeys: HashSet::new(),
        header: None,
        layout: None,
    };
    // The fields first: a control may come before the picture it points at.
    for n in root.descendants().filter(|n| n.is_element()) {
        if !matches!(n.tag_name().name(), "Image" | "Text" | "Paragraphs") {
            continue;
        }
        let (Some(name), Some(value)) = (n.attribute("name"), n.attribute("value")) else {
            continue;
        };
        let Some(key) = value.trim().strip_prefix('$') else {
            continue; // a fixed picture or words: decoration
        };
        if !is_key(key) {
            r.unsupported.push(unsupported(
                n,
                format!("data key {key:?} is not a field name (letters, digits, '_', '-', '.')"),
            ));
            continue;
        }
        let kind = match n.tag_name().name() {
            "Image" => FieldKind::Image,
            "Paragraphs" => FieldKind::Conversation,
            _ => FieldKind::Text,
        };
        match r.fields.iter().find(|f| f.name == key) {
            Some(f) if f.kind != kind => r.unsupported.push(unsupported(
                n,
                format!(
                    "data key {key:?} shown both as {} and as {}",
                    f.kind.as_str(),
                    kind.as_str()
                ),
            )),
            Some(_) => {}
            None => {
                if r.fields.is_empty()
                    && let Some(p) = n.parent_element()
                {
                    r.layout = layout_of(
                        p.attribute("className").unwrap_or_default(),
                        p.attribute("style").unwrap_or_default(),
                    );
                }
                r.fields.push(FieldDef {
                    name: key.to_owned(),
                    kind,
                    title_zh: String::new(),
                    title_en: String::new(),
                });
            }
        }
        r.objects.insert(name, key.to_owned());
    }
    let when = match read_when(root) {
        Ok(w) => w,
        Err(reason) => {
            r.unsupported.push(unsupported(root, reason));
            None
        }
    };
    r.walk(root, &when);
    r.attributes();
    r.conditions();
    if !r.unsupported.is_empty() {
        return Err(ConfigError::Unsupported(r.unsupported));
    }
    let layout = match (r.fields.len(), r.layout) {
        (_, Some(l)) => l,
        (0 | 1, None) => Layout::One,
        (_, None) => Layout::Stacked,
    };
    let mut t = Template {
        layout,
        fields: r.fields,
        questions: r.questions,
    };
    // Label Studio asks nothing as required unless told; a template needs one question
    // always asked and required: the first always asked becomes so.
    if !t.questions.iter().any(|q| q.required && q.when.is_none())
        && let Some(q) = t.questions.iter_mut().find(|q| q.when.is_none())
    {
        q.required = true;
    }
    t.validate().map_err(ConfigError::Invalid)?;
    Ok(t)
}

// ---- template → config ------------------------------------------------------------------

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            '\n' => o.push_str("&#10;"),
            '\r' => o.push_str("&#13;"),
            '\t' => o.push_str("&#9;"),
            c => o.push(c),
        }
    }
    o
}

fn option_xml(out: &mut String, tag: &str, o: &OptionDef, indent: &str) {
    out.push_str(&format!("{indent}<{tag} value=\"{}\"", esc(&o.name_zh)));
    if o.key != o.name_zh.trim() {
        out.push_str(&format!(" alias=\"{}\"", esc(&o.key)));
    }
    if !o.name_en.trim().is_empty() {
        out.push_str(&format!(" hint=\"{}\"", esc(&o.name_en)));
    }
    if let Some(h) = o.hotkey {
        out.push_str(&format!(" hotkey=\"{h}\""));
    }
    if let Some(c) = &o.colour {
        out.push_str(&format!(" background=\"{}\"", esc(c)));
    }
    out.push_str("/>\n");
}

fn layout_class(l: Layout) -> &'static str {
    match l {
        Layout::One => "mudou-layout-one",
        Layout::SideBySide => "mudou-layout-side-by-side",
        Layout::Swipe => "mudou-layout-swipe",
        Layout::Stacked => "mudou-layout-stacked",
    }
}

/// The Label Studio name of a box question's attribute (`objects.pose`).
pub fn attribute_name(question: &str, attribute: &str) -> String {
    format!("{question}.{attribute}")
}

/// Writes a template as a Label Studio labelling config; [`template_from_config`] reads it
/// back as [`normalise`] of the template.
pub fn config_from_template(t: &Template) -> String {
    let mut out = String::from("<View>\n");
    let style = if t.layout == Layout::SideBySide {
        " style=\"display: flex; gap: 1em;\""
    } else {
        ""
    };
    out.push_str(&format!(
        "  <View className=\"{}\"{style}>\n",
        layout_class(t.layout)
    ));
    for f in &t.fields {
        if !f.title_zh.trim().is_empty() {
            out.push_str(&format!("    <Header value=\"{}\"/>\n", esc(&f.title_zh)));
        }
        match f.kind {
            FieldKind::Image | FieldKind::Text | FieldKind::Markdown => {
                // Label Studio shows Markdown as plain text (never as HTML).
                let tag = if f.kind == FieldKind::Image {
                    "Image"
                } else {
                    "Text"
                };
                out.push_str(&format!(
                    "    <{tag} name=\"{0}\" value=\"${0}\"/>\n",
                    esc(&f.name)
                ));
            }
            FieldKind::Conversation => out.push_str(&format!(
                "    <Paragraphs name=\"{0}\" value=\"${0}\" layout=\"dialogue\" nameKey=\"role\" textKey=\"content\"/>\n",
                esc(&f.name)
            )),
            // Label Studio has no tag for a stack of slices; the series is left out.
            FieldKind::Series => {}
        }
    }
    out.push_str("  </View>\n");
    let all_fields = t
        .fields
        .iter()
        .map(|f| f.name.as_str())
        .collect::<Vec<_>>()
        .join(",");
    for q in &t.questions {
        let to = q.field.clone().unwrap_or_else(|| all_fields.clone());
        let when = q.when.as_ref().and_then(|c| {
            let earlier = t.question(&c.question)?;
            matches!(earlier.kind.as_str(), "choice" | "multi_choice").then_some(c)
        });
        let mut indent = "  ";
        if let Some(c) = when {
            out.push_str(&format!(
                "  <View visibleWhen=\"choice-selected\" whenTagName=\"{}\" whenChoiceValue=\"{}\">\n",
                esc(&c.question),
                esc(&c.any_of.join(","))
            ));
            indent = "    ";
        }
        out.push_str(&format!(
            "{indent}<Header value=\"{}\"/>\n",
            esc(&q.title_zh)
        ));
        let head = format!(
            "name=\"{}\" toName=\"{}\" required=\"{}\"",
            esc(&q.key),
            esc(&to),
            q.required
        );
        let inner = format!("{indent}  ");
        match q.kind.as_str() {
            "choice" | "multi_choice" => {
                let choice = if q.kind == "choice" {
                    "single"
                } else {
                    "multiple"
                };
                out.push_str(&format!("{indent}<Choices {head} choice=\"{choice}\">\n"));
                for o in &q.options {
                    option_xml(&mut out, "Choice", o, &inner);
                }
                out.push_str(&format!("{indent}</Choices>\n"));
            }
            "rating" => out.push_str(&format!(
                "{indent}<Rating {head} maxRating=\"{}\"/>\n",
                q.options.len()
            )),
            "number" => {
                let s = &q.settings;
                let mut a = String::new();
                for (k, v) in [("min", s.min), ("max", s.max), ("step", s.step)] {
                    if let Some(v) = v {
                        a.push_str(&format!(" {k}=\"{v}\""));
                    }
                }
                out.push_str(&format!("{indent}<Number {head}{a}/>\n"));
            }
            "text" => {
                let a = q
                    .settings
                    .max_chars
                    .map(|n| format!(" maxLength=\"{n}\""))
                    .unwrap_or_default();
                out.push_str(&format!(
                    "{indent}<TextArea {head} maxSubmissions=\"1\"{a}/>\n"
                ));
            }
            "boxes" | "polygon" | "mask" | "rotated_box" | "keypoints" => {
                let (tag, extra) = match q.kind.as_str() {
                    "polygon" => ("PolygonLabels", ""),
                    "mask" => ("BrushLabels", ""),
                    "keypoints" => ("KeyPointLabels", ""),
                    "rotated_box" => ("RectangleLabels", " canRotate=\"true\""),
                    _ => ("RectangleLabels", ""),
                };
                out.push_str(&format!("{indent}<{tag} {head}{extra}>\n"));
                match &q.settings.skeleton {
                    Some(sk) if q.kind == "keypoints" => {
                        for o in &q.options {
                            for (i, p) in sk.points.iter().enumerate() {
                                out.push_str(&format!(
                                    "{inner}<Label value=\"{}\" alias=\"{}\" model_index=\"{i}\"",
                                    esc(&format!("{}·{}", o.name_zh.trim(), p.name_zh.trim())),
                                    esc(&shapes::keypoint_label(&o.key, &p.key)),
                                ));
                                if !p.name_en.trim().is_empty() {
                                    out.push_str(&format!(" hint=\"{}\"", esc(&p.name_en)));
                                }
                                if let Some(c) = &o.colour {
                                    out.push_str(&format!(" background=\"{}\"", esc(c)));
                                }
                                out.push_str("/>\n");
                            }
                        }
                    }
                    _ => {
                        for o in &q.options {
                            option_xml(&mut out, "Label", o, &inner);
                        }
                    }
                }
                out.push_str(&format!("{indent}</{tag}>\n"));
                for a in &q.settings.attributes {
                    let name = esc(&attribute_name(&q.key, &a.key));
                    let to = esc(q.field.as_deref().unwrap_or_default());
                    if a.options.is_empty() {
                        let yes = OptionDef {
                            key: a.key.clone(),
                            name_zh: a.name_zh.clone(),
                            name_en: a.name_en.clone(),
                            colour: None,
                            hotkey: None,
                            icon: None,
                        };
                        out.push_str(&format!(
                            "{indent}<Choices name=\"{name}\" toName=\"{to}\" perRegion=\"true\" visibleWhen=\"region-selected\" choice=\"multiple\">\n"
                        ));
                        option_xml(&mut out, "Choice", &yes, &inner);
                    } else {
                        out.push_str(&format!(
                            "{indent}<Header value=\"{}\"/>\n",
                            esc(&a.name_zh)
                        ));
                        out.push_str(&format!(
                            "{indent}<Choices name=\"{name}\" toName=\"{to}\" perRegion=\"true\" visibleWhen=\"region-selected\" choice=\"single\">\n"
                        ));
                        for o in &a.options {
                            option_xml(&mut out, "Choice", o, &inner);
                        }
                    }
                    out.push_str(&format!("{indent}</Choices>\n"));
                }
            }
            // A kind a config cannot hold (a polyline: Label Studio has no line tag): a
            // note instead of a control.
            other => out.push_str(&format!(
                "{indent}<Header value=\"({} question {}: Label Studio has no such tag, left out)\"/>\n",
                esc(other),
                esc(&q.key)
            )),
        }
        if when.is_some() {
            out.push_str("  </View>\n");
        }
    }
    out.push_str("</View>\n");
    out
}

/// What of a template survives [`config_from_template`] and [`template_from_config`]: a
/// Markdown field comes back a text field (a conversation stays one: `Paragraphs`); no
/// English titles, icons or read-aloud words; rating steps named `1`…`n`; numbers without
/// unit or tolerance; texts and ratings without tolerance; no conditions on ratings; a
/// question about the item as a whole is about its only field when it has one; attribute
/// options keep no English name.
pub fn normalise(t: &Template) -> Template {
    let mut t = t.clone();
    t.questions.retain(|q| q.kind != "polyline");
    for q in t.questions.iter_mut().filter(|q| q.kind == "keypoints") {
        for o in &mut q.options {
            o.name_en.clear();
            o.hotkey = None;
        }
        if let Some(sk) = &mut q.settings.skeleton {
            sk.edges.clear();
            for p in &mut sk.points {
                p.sigma = DEFAULT_SIGMA;
                p.name_zh = p.name_zh.trim().to_owned();
                p.name_en = p.name_en.trim().to_owned();
            }
        }
    }
    for f in &mut t.fields {
        if f.kind == FieldKind::Markdown {
            f.kind = FieldKind::Text;
        }
        f.title_en.clear();
        f.title_zh = f.title_zh.trim().to_owned();
    }
    let only = (t.fields.len() == 1).then(|| t.fields[0].name.clone());
    let kinds: HashMap<String, String> = t
        .questions
        .iter()
        .map(|q| (q.key.clone(), q.kind.clone()))
        .collect();
    for q in &mut t.questions {
        q.title_en.clear();
        q.title_zh = q.title_zh.trim().to_owned();
        q.read_aloud.clear();
        if q.field.is_none() {
            q.field = only.clone();
        }
        if q.when
            .as_ref()
            .is_some_and(|c| kinds.get(&c.question).map(String::as_str) == Some("rating"))
        {
            q.when = None;
        }
        q.settings.unit = None;
        q.settings.tolerance = None;
        for o in &mut q.options {
            o.icon = None;
            o.name_zh = o.name_zh.trim().to_owned();
            o.name_en = o.name_en.trim().to_owned();
        }
        if q.kind == "rating" {
            q.options = (1..=q.options.len())
                .map(|i| OptionDef {
                    key: i.to_string(),
                    name_zh: i.to_string(),
                    name_en: String::new(),
                    colour: None,
                    hotkey: None,
                    icon: None,
                })
                .collect();
        }
        for a in &mut q.settings.attributes {
            if !a.options.is_empty() {
                a.name_en.clear();
            }
            for o in &mut a.options {
                o.icon = None;
            }
        }
    }
    if t.fields.len() == 1 {
        t.layout = Layout::One;
    }
    t
}

// ---- answers ↔ results -------------------------------------------------------------------

/// The Label Studio value of an option: its key (written configs alias every option by it).
fn ls_option(q: &Question, key: &str) -> String {
    q.options
        .iter()
        .find(|o| o.key == key)
        .map(|o| o.key.clone())
        .unwrap_or_else(|| key.to_owned())
}

/// An option's key from a Label Studio value: a key, a Chinese or an English name.
fn option_key(options: &[OptionDef], v: &str) -> Option<String> {
    options
        .iter()
        .find(|o| o.key == v)
        .or_else(|| options.iter().find(|o| o.name_zh == v || o.name_en == v))
        .map(|o| o.key.clone())
}

/// An answer to a template as Label Studio `result` entries: each question's `from_name`
/// is its key and `to_name` its field (the first field for the item as a whole); boxes in
/// percent of `size(field)` with each box's attributes as per-region choices sharing the
/// box's `id`. `id` prefixes the result ids.
pub fn results_from_answer(
    t: &Template,
    answer: &Value,
    size: &dyn Fn(&str) -> Option<(i64, i64)>,
    id: &str,
) -> Vec<Value> {
    let mut out = Vec::new();
    let first = t.fields.first().map(|f| f.name.as_str()).unwrap_or("");
    for (qi, q) in t.questions.iter().enumerate() {
        let Some(a) = answer.get(&q.key).filter(|v| !v.is_null()) else {
            continue;
        };
        let to = q.field.as_deref().unwrap_or(first);
        let rid = format!("{id}q{qi}");
        let entry = |ty: &str, value: Value| {
            json!({"id": rid, "from_name": q.key, "to_name": to, "type": ty,
                   "origin": "manual", "value": value})
        };
        match q.kind.as_str() {
            "choice" => {
                if let Some(s) = a.as_str() {
                    out.push(entry("choices", json!({"choices": [ls_option(q, s)]})));
                }
            }
            "multi_choice" => {
                let v: Vec<String> = crate::kinds::strings(a).map(|s| ls_option(q, s)).collect();
                out.push(entry("choices", json!({"choices": v})));
            }
            "rating" => {
                if let Some(n) = a.as_u64() {
                    out.push(entry("rating", json!({"rating": n})));
                }
            }
            "number" => {
                if let Some(x) = a.as_f64() {
                    out.push(entry("number", json!({"number": x})));
                }
            }
            "text" => {
                if let Some(s) = a.as_str() {
                    out.push(entry("textarea", json!({"text": [s]})));
                }
            }
            "boxes" => {
                let Some((w, h)) = size(to) else { continue };
                for (bi, b) in a.as_array().into_iter().flatten().enumerate() {
                    let (Some(label), Some(x), Some(y), Some(bw), Some(bh)) = (
                        b["label"].as_str(),
                        b["x"].as_f64(),
                        b["y"].as_f64(),
                        b["w"].as_f64(),
                        b["h"].as_f64(),
                    ) else {
                        continue;
                    };
                    let pct = |v: f64, of: i64| v * 100.0 / of.max(1) as f64;
                    let bid = format!("{rid}b{bi}");
                    out.push(json!({
                        "id": bid, "from_name": q.key, "to_name": to,
                        "type": "rectanglelabels", "origin": "manual",
                        "original_width": w, "original_height": h, "image_rotation": 0,
                        "value": {"x": pct(x, w), "y": pct(y, h), "width": pct(bw, w),
                                  "height": pct(bh, h), "rotation": 0,
                                  "rectanglelabels": [ls_option(q, label)]},
                    }));
                    for attr in &q.settings.attributes {
                        let v = &b["attributes"][&attr.key];
                        let chosen: Option<String> = if attr.options.is_empty() {
                            (v.as_bool() == Some(true)).then(|| attr.key.clone())
                        } else {
                            v.as_str().map(str::to_owned)
                        };
                        if let Some(c) = chosen {
                            out.push(json!({
                                "id": bid, "from_name": attribute_name(&q.key, &attr.key),
                                "to_name": to, "type": "choices", "origin": "manual",
                                "original_width": w, "original_height": h, "image_rotation": 0,
                                "value": {"x": pct(x, w), "y": pct(y, h), "width": pct(bw, w),
                                          "height": pct(bh, h), "rotation": 0, "choices": [c]},
                            }));
                        }
                    }
                }
            }
            k if shapes::KINDS.contains(&k) => {
                let Some((w, h)) = size(to) else { continue };
                for (oi, o) in a.as_array().into_iter().flatten().enumerate() {
                    let regions = shapes::regions(q, o, w, h, &format!("{rid}o{oi}"));
                    let Some((first, value)) = regions.first().cloned() else {
                        continue;
                    };
                    for (id, v) in regions {
                        out.push(shapes::region_result(q, to, w, h, &id, v));
                    }
                    let geometry = shapes::geometry(q, &value);
                    for attr in &q.settings.attributes {
                        let v = &o["attributes"][&attr.key];
                        let chosen: Option<String> = if attr.options.is_empty() {
                            (v.as_bool() == Some(true)).then(|| attr.key.clone())
                        } else {
                            v.as_str().map(str::to_owned)
                        };
                        if let Some(c) = chosen {
                            let mut value = Value::Object(geometry.clone());
                            value["choices"] = json!([c]);
                            out.push(json!({
                                "id": first, "from_name": attribute_name(&q.key, &attr.key),
                                "to_name": to, "type": "choices", "origin": "manual",
                                "original_width": w, "original_height": h, "image_rotation": 0,
                                "value": value,
                            }));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// A Label Studio box in pixels of a `(w, h)` picture, or why not.
pub fn box_pixels(
    r: &Value,
    size: Option<(i64, i64)>,
) -> Result<(f64, f64, f64, f64), &'static str> {
    let v = &r["value"];
    if v["rotation"].as_f64().unwrap_or(0.0).abs() > 1e-6 {
        return Err("a rotated box");
    }
    let w = size
        .map(|s| s.0 as f64)
        .or_else(|| r["original_width"].as_f64());
    let h = size
        .map(|s| s.1 as f64)
        .or_else(|| r["original_height"].as_f64());
    let (Some(w), Some(h), Some(x), Some(y), Some(bw), Some(bh)) = (
        w,
        h,
        v["x"].as_f64(),
        v["y"].as_f64(),
        v["width"].as_f64(),
        v["height"].as_f64(),
    ) else {
        return Err("a box without a size");
    };
    let round = |v: f64| (v * 100.0).round() / 100.0;
    let x0 = (x / 100.0 * w).clamp(0.0, w);
    let y0 = (y / 100.0 * h).clamp(0.0, h);
    let x1 = ((x + bw) / 100.0 * w).clamp(0.0, w);
    let y1 = ((y + bh) / 100.0 * h).clamp(0.0, h);
    if x1 - x0 <= 0.0 || y1 - y0 <= 0.0 {
        return Err("an empty box");
    }
    Ok((round(x0), round(y0), round(x1 - x0), round(y1 - y0)))
}

/// Label Studio results read as an answer: see [`read_results`]; what was refused is
/// listed with what was left out.
pub fn answer_from_results(
    t: &Template,
    results: &[Value],
    size: &dyn Fn(&str) -> Option<(i64, i64)>,
) -> (Map<String, Value>, Vec<String>) {
    let mut r = read_results(t, results, size);
    r.left_out.append(&mut r.refused);
    (r.answer, r.left_out)
}

/// Label Studio results read as an answer to a template.
#[derive(Debug, Default)]
pub struct ReadResults {
    /// The answer: only the questions the results answer.
    pub answer: Map<String, Value>,
    /// Results it does not understand, left out of the answer.
    pub left_out: Vec<String>,
    /// Regions that cannot be objects of their question (a class it lacks, a point outside
    /// the picture, a polygon of fewer than 3 points, a brush of another size): the task
    /// should not be taken at all.
    pub refused: Vec<String>,
}

/// Label Studio results read as an answer to a template, question by question (`from_name`
/// is the question's key; options by key or name; boxes and the other drawn kinds (see
/// `labelstudio/shapes.rs`) in pixels of `size(field)` with per-region choices as
/// attributes). An empty list of results answers every drawing question with no objects
/// ("nothing here").
pub fn read_results(
    t: &Template,
    results: &[Value],
    size: &dyn Fn(&str) -> Option<(i64, i64)>,
) -> ReadResults {
    let mut out = Map::new();
    let mut left_out: Vec<String> = Vec::new();
    let mut refused: Vec<String> = Vec::new();
    if results.is_empty() {
        for q in t.questions.iter().filter(|q| is_drawn(&q.kind)) {
            out.insert(q.key.clone(), json!([]));
        }
        return ReadResults {
            answer: out,
            left_out,
            refused,
        };
    }
    // Regions of the drawn kinds beyond boxes, by question, in their order.
    let mut drawn: HashMap<String, Vec<&Value>> = HashMap::new();
    // Box ids → (question, index in its answer).
    let mut boxes_at: HashMap<String, (String, usize)> = HashMap::new();
    let mut attrs: Vec<&Value> = Vec::new();
    for r in results {
        let from = r["from_name"].as_str().unwrap_or_default();
        let v = &r["value"];
        let Some(q) = t.question(from) else {
            if from.contains('.') && r["type"] == "choices" {
                attrs.push(r);
            } else {
                left_out.push(format!("{from:?} ({})", r["type"].as_str().unwrap_or("?")));
            }
            continue;
        };
        let ty = r["type"].as_str().unwrap_or_default();
        match (q.kind.as_str(), ty) {
            ("choice" | "multi_choice", "choices") => {
                let keys: Option<Vec<String>> = v["choices"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|c| c.as_str().and_then(|s| option_key(&q.options, s)))
                    .collect();
                match keys {
                    Some(k) if q.kind == "choice" && k.len() == 1 => {
                        out.insert(q.key.clone(), json!(k[0]));
                    }
                    Some(k) if q.kind == "multi_choice" => {
                        out.insert(q.key.clone(), json!(k));
                    }
                    _ => left_out.push(format!("{from:?}: choices it does not offer")),
                }
            }
            ("rating", "rating") => match v["rating"].as_u64() {
                Some(n) if (1..=q.options.len() as u64).contains(&n) => {
                    out.insert(q.key.clone(), json!(n));
                }
                _ => left_out.push(format!("{from:?}: a rating out of its steps")),
            },
            ("number", "number") => match v["number"].as_f64() {
                Some(x) => {
                    out.insert(q.key.clone(), json!(x));
                }
                None => left_out.push(format!("{from:?}: not a number")),
            },
            ("text", "textarea") => {
                let s: Vec<&str> = crate::kinds::strings(&v["text"]).collect();
                if !s.is_empty() {
                    out.insert(q.key.clone(), json!(s.join("\n")));
                }
            }
            ("boxes", "rectanglelabels" | "rectangle") => {
                let field = q
                    .field
                    .as_deref()
                    .or(t.fields.first().map(|f| f.name.as_str()))
                    .unwrap_or("");
                let label = v["rectanglelabels"]
                    .get(0)
                    .or_else(|| v["labels"].get(0))
                    .and_then(Value::as_str)
                    .and_then(|l| option_key(&q.options, l));
                match (label, box_pixels(r, size(field))) {
                    (Some(label), Ok((x, y, w, h))) => {
                        let list = out
                            .entry(q.key.clone())
                            .or_insert_with(|| json!([]))
                            .as_array_mut()
                            .expect("a list of boxes");
                        if let Some(id) = r["id"].as_str() {
                            boxes_at.insert(id.to_owned(), (q.key.clone(), list.len()));
                        }
                        let mut b = json!({"label": label, "x": x, "y": y, "w": w, "h": h});
                        if !q.settings.attributes.is_empty() {
                            b["attributes"] = json!({});
                        }
                        list.push(b);
                    }
                    (None, _) => {
                        left_out.push(format!("{from:?}: a box of a class it does not have"))
                    }
                    (_, Err(why)) => left_out.push(format!("{from:?}: {why}")),
                }
            }
            (k, ty) if shapes::reads(k, ty) => drawn.entry(q.key.clone()).or_default().push(r),
            _ => left_out.push(format!("{from:?} ({ty})")),
        }
    }
    for q in t.questions.iter().filter(|q| drawn.contains_key(&q.key)) {
        let field = q
            .field
            .as_deref()
            .or(t.fields.first().map(|f| f.name.as_str()))
            .unwrap_or("");
        match shapes::read(q, &drawn[&q.key], size(field)) {
            Ok(objects) => {
                let mut list = Vec::with_capacity(objects.len());
                for (i, (ids, o)) in objects.into_iter().enumerate() {
                    for id in ids {
                        boxes_at.insert(id, (q.key.clone(), i));
                    }
                    list.push(o);
                }
                out.insert(q.key.clone(), Value::Array(list));
            }
            Err(why) => refused.push(format!("{:?}: {why}", q.key)),
        }
    }
    // Per-region choices: the attributes of the box with the same id.
    for r in attrs {
        let from = r["from_name"].as_str().unwrap_or_default();
        let found = r["id"]
            .as_str()
            .and_then(|id| boxes_at.get(id))
            .and_then(|(qk, i)| {
                let q = t.question(qk)?;
                let a = q
                    .settings
                    .attributes
                    .iter()
                    .find(|a| attribute_name(&q.key, &a.key) == from)?;
                Some((qk.clone(), *i, a))
            });
        let Some((qk, i, a)) = found else {
            left_out.push(format!("{from:?} (choices)"));
            continue;
        };
        let chosen: Vec<&str> = crate::kinds::strings(&r["value"]["choices"]).collect();
        let value = if a.options.is_empty() {
            Some(json!(!chosen.is_empty()))
        } else {
            chosen
                .first()
                .and_then(|c| option_key(&a.options, c))
                .map(Value::from)
        };
        match value {
            Some(v) => out[&qk][i]["attributes"][&a.key] = v,
            None => left_out.push(format!("{from:?}: a choice it does not offer")),
        }
    }
    // Yes/no attributes not chosen are "no".
    for q in t.questions.iter().filter(|q| is_drawn(&q.kind)) {
        if let Some(list) = out.get_mut(&q.key).and_then(Value::as_array_mut) {
            for b in list {
                for a in q
                    .settings
                    .attributes
                    .iter()
                    .filter(|a| a.options.is_empty())
                {
                    if b["attributes"].get(&a.key).is_none() {
                        b["attributes"][&a.key] = json!(false);
                    }
                }
            }
        }
    }
    left_out.dedup();
    ReadResults {
        answer: out,
        left_out,
        refused,
    }
}

#[cfg(test)]
mod tests;
