//! A template order: the answer is an object keyed by question, and every question asks
//! its own kind ([`crate::template::Template`] combines them).

use serde_json::Value;

use super::{Agreed, Kind, Voters, bad};
use crate::template::Template;
use crate::{Answer, OrderSpec, ValidationError};

pub(crate) struct Form;

fn template(spec: &OrderSpec) -> Option<&Template> {
    spec.template.as_ref()
}

impl Kind for Form {
    /// A template's options live on its questions; the order's own label list stays empty.
    fn min_labels(&self) -> usize {
        0
    }

    fn pays_per_object(&self, spec: &OrderSpec) -> bool {
        template(spec).is_some_and(Template::pays_per_object)
    }

    fn objects_on_top(&self) -> bool {
        true
    }

    fn objects(&self, spec: &OrderSpec, answer: &Answer) -> Option<usize> {
        let Answer::Form(map) = answer else {
            return None;
        };
        template(spec)?.objects(&Value::Object(map.clone()))
    }

    fn needs_image_size(&self, spec: &OrderSpec) -> bool {
        template(spec).is_some_and(Template::needs_image_size)
    }

    fn exports_objects(&self, spec: &OrderSpec) -> bool {
        self.needs_image_size(spec)
    }

    fn answer_key(&self) -> Option<&'static str> {
        None
    }

    fn parse(
        &self,
        spec: &OrderSpec,
        value: &Value,
        image: Option<(i64, i64)>,
    ) -> Result<Answer, ValidationError> {
        // Only the first field's size is known here: boxes on other pictures are checked for
        // shape, not for bounds.
        let first = template(spec)
            .and_then(|t| t.fields.first())
            .map(|f| f.name.clone());
        let sizes: Vec<(String, (i64, i64))> = first.zip(image).into_iter().collect();
        self.parse_sized(spec, value, &sizes)
    }

    /// Every picture field sized by its own name: boxes on any picture are kept inside it.
    fn parse_sized(
        &self,
        spec: &OrderSpec,
        value: &Value,
        sizes: &[(String, (i64, i64))],
    ) -> Result<Answer, ValidationError> {
        let t = template(spec).ok_or_else(|| bad("this order has no template"))?;
        let size = |field: &str| sizes.iter().find(|(n, _)| n == field).map(|(_, s)| *s);
        match t.parse(value, &size)? {
            Value::Object(map) => Ok(Answer::Form(map)),
            _ => Err(bad("an answer is a JSON object")),
        }
    }

    /// Each question the gold answers, checked by its kind (conditions and required
    /// questions aside: gold may know only some answers); at least one.
    fn parse_gold(
        &self,
        spec: &OrderSpec,
        value: &Value,
        sizes: &[(String, (i64, i64))],
    ) -> Result<Value, ValidationError> {
        let t = template(spec).ok_or_else(|| bad("this order has no template"))?;
        let obj = value
            .as_object()
            .ok_or_else(|| bad("a gold answer is a JSON object keyed by question"))?;
        let mut out = serde_json::Map::new();
        for (k, v) in obj {
            let q = t.question(k).ok_or_else(|| {
                ValidationError::at(
                    format!("answer.{k}"),
                    format!("this order asks no question {k:?}"),
                )
            })?;
            if v.is_null() {
                continue;
            }
            let size = q
                .field
                .as_deref()
                .and_then(|f| sizes.iter().find(|(n, _)| n == f).map(|(_, s)| *s));
            let v = q
                .kind()
                .parse_gold(q, v, size)
                .map_err(|e| ValidationError::at(format!("answer.{k}"), e.message))?;
            out.insert(k.clone(), v);
        }
        if out.is_empty() {
            return Err(bad("a gold answer answers at least one question"));
        }
        Ok(Value::Object(out))
    }

    /// A manifest's known answer, keyed by question: the questions it answers in a shape
    /// their kinds accept (others are left out); nothing when it answers none.
    fn manifest_gold(&self, spec: &OrderSpec, gold: &Value) -> Option<Value> {
        let t = template(spec)?;
        let mut out = serde_json::Map::new();
        for q in &t.questions {
            if let Some(v) = gold.get(&q.key).filter(|v| !v.is_null())
                && let Ok(v) = q.kind().parse(q, v, None)
            {
                out.insert(q.key.clone(), v);
            }
        }
        (!out.is_empty()).then_some(Value::Object(out))
    }

    /// Every option of a choice-like question is a yes/no question for the quality engine.
    fn classes(&self, _spec: &OrderSpec) -> Vec<String> {
        vec!["no".into(), "yes".into()]
    }

    fn answer_classes(&self, spec: &OrderSpec, answer: &Value) -> Vec<(u32, u32)> {
        template(spec)
            .map(|t| t.answer_classes(answer))
            .unwrap_or_default()
    }

    fn consensus(&self, spec: &OrderSpec, answers: &[Value], voters: Voters<'_>) -> Agreed {
        match template(spec) {
            Some(t) => t.consensus(answers, voters),
            None => Agreed {
                answer: None,
                confidence: 0.0,
                settles: false,
            },
        }
    }

    /// Each question's chosen options as `question=option`.
    fn keys(&self, answer: &Value) -> Vec<String> {
        let mut out = Vec::new();
        for (q, v) in answer.as_object().into_iter().flatten() {
            match v {
                Value::String(s) => out.push(format!("{q}={s}")),
                Value::Array(a) => out.extend(
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(|s| format!("{q}={s}")),
                ),
                _ => {}
            }
        }
        out
    }

    fn answer_text(&self, answer: &Value) -> String {
        answer.to_string()
    }

    /// A short line: each question's answer, boxes counted.
    fn label_text(&self, answer: &Value) -> String {
        answer
            .as_object()
            .into_iter()
            .flatten()
            .map(|(q, v)| match v {
                Value::String(s) => format!("{q}: {s}"),
                Value::Array(a) if a.iter().all(Value::is_string) => format!(
                    "{q}: {}",
                    a.iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(";")
                ),
                Value::Array(a) => format!("{q}: {} boxes", a.len()),
                other => format!("{q}: {other}"),
            })
            .collect::<Vec<_>>()
            .join(" · ")
    }

    fn agrees(&self, spec: &OrderSpec, answer: &Value, gold: &Value) -> bool {
        template(spec).is_some_and(|t| t.agrees(answer, gold))
    }

    fn columns(&self, spec: &OrderSpec) -> Vec<String> {
        template(spec).map(Template::columns).unwrap_or_default()
    }

    fn cells(&self, spec: &OrderSpec, answer: &Value) -> Vec<String> {
        template(spec).map(|t| t.cells(answer)).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::order::testing::spec;
    use crate::template::Template;
    use crate::{Answer, TaskType};

    /// Boxes on the second picture of a pair are kept inside that picture, not the first.
    #[test]
    fn boxes_on_a_second_picture_use_its_own_size() {
        let t: Template = serde_json::from_value(json!({
            "layout": "side_by_side",
            "fields": [{"name": "before", "kind": "image"}, {"name": "after", "kind": "image"}],
            "questions": [{"key": "new", "kind": "boxes", "title_zh": "框出新东西",
                "field": "after", "required": false,
                "options": [{"key": "thing", "name_zh": "东西"}]}]
        }))
        .unwrap();
        let mut s = spec(TaskType::Template, &[]);
        s.labels.clear();
        s.template = Some(t);
        let sizes = vec![
            ("before".to_owned(), (10, 10)),
            ("after".to_owned(), (100, 100)),
        ];
        let wide = json!({"new": [{"label": "thing", "x": 50, "y": 50, "w": 20, "h": 20}]});
        Answer::parse_sized(&s, &wide, &sizes).unwrap();
        let small = vec![
            ("before".to_owned(), (100, 100)),
            ("after".to_owned(), (10, 10)),
        ];
        assert!(Answer::parse_sized(&s, &wide, &small).is_err());
        // An old kind reads the first picture's size, as `Answer::parse` does.
        let b = spec(TaskType::Bbox, &["car"]);
        let one = json!({"boxes": [{"label": "car", "x": 8, "y": 2, "w": 5, "h": 5}]});
        assert!(Answer::parse_sized(&b, &one, &[("image".into(), (10, 10))]).is_err());
        Answer::parse_sized(&b, &one, &[("image".into(), (20, 20))]).unwrap();
    }
}
