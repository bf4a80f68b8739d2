use serde_json::json;

use super::*;
use crate::TaskType;
use crate::order::testing::spec;
use crate::template::examples::shop;

fn size(_: &str) -> Option<(i64, i64)> {
    Some((200, 100))
}

/// Templates of every shape a config can hold: the shop (every kind, conditions, box
/// attributes), the old task types, two pictures side by side, a text with questions about
/// the item as a whole, and a swipe.
fn templates() -> Vec<Template> {
    let mut out = vec![shop()];
    for tt in [
        TaskType::SingleChoice,
        TaskType::TextClassification,
        TaskType::MultiLabel,
        TaskType::Bbox,
    ] {
        out.push(spec(tt, &["cat", "dog"]).template().into_owned());
    }
    let pair: Template = serde_json::from_value(json!({
        "layout": "side_by_side",
        "fields": [{"name": "before", "kind": "image", "title_zh": "之前", "title_en": "Before"},
                   {"name": "after", "kind": "image", "title_zh": "之后"}],
        "questions": [
            {"key": "same", "kind": "choice", "title_zh": "一样吗?", "title_en": "Same?",
             "options": [{"key": "yes", "name_zh": "一样", "name_en": "Same", "hotkey": "y", "colour": "#00aa00"},
                         {"key": "no", "name_zh": "不一样", "hotkey": "n"}]},
            {"key": "why", "kind": "multi_choice", "title_zh": "哪里不一样?", "required": false,
             "when": {"question": "same", "any_of": ["no"]},
             "options": [{"key": "colour", "name_zh": "颜色 & <形状>"}, {"key": "size", "name_zh": "size"}]},
            {"key": "damage", "kind": "boxes", "title_zh": "框出损坏", "field": "after", "required": false,
             "options": [{"key": "scratch", "name_zh": "划痕", "colour": "#ff0000"}, {"key": "dent", "name_zh": "凹痕"}],
             "settings": {"attributes": [{"key": "deep", "name_zh": "很深", "name_en": "Deep"},
                {"key": "age", "name_zh": "新旧", "options": [{"key": "new", "name_zh": "新"}, {"key": "old", "name_zh": "旧"}]}]}},
            {"key": "cost", "kind": "number", "title_zh": "修理费", "field": "after", "required": false,
             "settings": {"min": 0, "max": 5000, "step": 0.5, "unit": "元"}},
            {"key": "note", "kind": "text", "title_zh": "备注", "required": false, "settings": {"max_chars": 300}}
        ]
    }))
    .unwrap();
    out.push(pair.clone());
    let mut swipe = pair.clone();
    swipe.layout = Layout::Swipe;
    out.push(swipe);
    let mut stacked = pair;
    stacked.layout = Layout::Stacked;
    stacked.questions.truncate(2);
    out.push(stacked);
    let review: Template = serde_json::from_value(json!({
        "fields": [{"name": "review", "kind": "text"}],
        "questions": [
            {"key": "stars", "kind": "rating", "title_zh": "几颗星", "options": [
                {"key": "a", "name_zh": "一"}, {"key": "b", "name_zh": "二"}, {"key": "c", "name_zh": "三"}]},
            {"key": "topic", "kind": "choice", "title_zh": "说的是?", "when": {"question": "stars", "any_of": ["a"]},
             "options": [{"key": "food", "name_zh": "菜"}, {"key": "service", "name_zh": "服务"}]}
        ]
    }))
    .unwrap();
    out.push(review);
    // An LLM comparison: a conversation (Paragraphs) and two Markdown answers (Text).
    let llm: Template = serde_json::from_value(json!({
        "layout": "side_by_side",
        "fields": [{"name": "prompt", "kind": "conversation", "title_zh": "对话"},
                   {"name": "response_1", "kind": "markdown", "title_zh": "回答 A"},
                   {"name": "response_2", "kind": "markdown", "title_zh": "回答 B"}],
        "questions": [
            {"key": "better", "kind": "choice", "title_zh": "哪个更好?",
             "options": [{"key": "a", "name_zh": "A"}, {"key": "b", "name_zh": "B"}, {"key": "tie", "name_zh": "一样"}]}
        ]
    }))
    .unwrap();
    out.push(llm);
    for t in &out {
        t.validate().unwrap();
    }
    out
}

#[test]
fn a_written_config_reads_back_as_the_template() {
    for t in templates() {
        let xml = config_from_template(&t);
        let back = template_from_config(&xml).unwrap_or_else(|e| panic!("{}\n{xml}", e.message()));
        assert_eq!(back, normalise(&t), "{xml}");
        assert_eq!(
            config_from_template(&back),
            xml,
            "a second trip changes nothing"
        );
    }
}

#[test]
fn answers_survive_results_both_ways() {
    let t = shop();
    let answers = [
        json!({"class": "car", "sides": ["front", "side"], "stars": 4, "plate": "粤B12345",
               "price": 12.5, "objects": [
                   {"label": "person", "x": 10.0, "y": 20.0, "w": 30.0, "h": 40.0,
                    "attributes": {"occluded": true, "pose": "sitting"}},
                   {"label": "person", "x": 50.0, "y": 10.0, "w": 20.0, "h": 20.0,
                    "attributes": {"occluded": false}}]}),
        json!({"class": "bike", "stars": 1, "objects": []}),
    ];
    for a in answers {
        let r = results_from_answer(&t, &a, &size, "7");
        let ids: HashSet<&str> = r.iter().filter_map(|x| x["id"].as_str()).collect();
        assert!(ids.len() < r.len() || a["objects"].as_array().unwrap().is_empty());
        let (back, left_out) = answer_from_results(&t, &r, &size);
        assert!(left_out.is_empty(), "{left_out:?}");
        let mut want = a.as_object().unwrap().clone();
        if want["objects"].as_array().unwrap().is_empty() {
            want.remove("objects"); // no boxes: no results, the question not answered
        }
        assert_eq!(Value::Object(back), Value::Object(want));
    }
    let r = results_from_answer(&t, &json!({"class": "car"}), &size, "1");
    assert_eq!(
        r[0],
        json!({"id": "1q0", "from_name": "class", "to_name": "image", "type": "choices",
               "origin": "manual", "value": {"choices": ["car"]}})
    );
    // Options by name too; an empty annotation: no boxes.
    let by_name =
        [json!({"from_name": "class", "type": "choices", "value": {"choices": ["自行车"]}})];
    assert_eq!(answer_from_results(&t, &by_name, &size).0["class"], "bike");
    assert_eq!(
        Value::Object(answer_from_results(&t, &[], &size).0),
        json!({"objects": []})
    );
    let odd = [json!({"from_name": "x", "type": "polygonlabels", "value": {}})];
    assert_eq!(answer_from_results(&t, &odd, &size).1.len(), 1);
}

#[test]
fn unsupported_tags_are_all_listed() {
    let xml = r#"<View>
      <Image name="img" value="$image"/>
      <PolygonLabels name="poly" toName="img"><Label value="a"/></PolygonLabels>
      <KeyPointLabels name="kp" toName="img"><Label value="b"/></KeyPointLabels>
      <Audio name="a" value="$audio"/>
      <Choices name="c" toName="img"><Choice value="x"/><Choice value="y"/></Choices>
    </View>"#;
    let ConfigError::Unsupported(list) = template_from_config(xml).unwrap_err() else {
        panic!()
    };
    let names: Vec<(String, Option<String>)> = list
        .iter()
        .map(|u| (u.tag.clone(), u.name.clone()))
        .collect();
    assert_eq!(
        names,
        [
            ("PolygonLabels".into(), Some("poly".into())),
            ("KeyPointLabels".into(), Some("kp".into())),
            ("Audio".into(), Some("a".into())),
        ]
    );
    assert!(matches!(
        template_from_config("<View><Image").unwrap_err(),
        ConfigError::Xml(_)
    ));
    assert!(matches!(
        template_from_config("<Foo/>").unwrap_err(),
        ConfigError::Xml(_)
    ));
    // One choice is no question: the template's own rule answers.
    let one = r#"<View><Text name="t" value="$text"/><Choices name="c" toName="t"><Choice value="x"/></Choices></View>"#;
    assert!(matches!(
        template_from_config(one).unwrap_err(),
        ConfigError::Invalid(_)
    ));
}

#[test]
fn label_studio_attributes_map() {
    let xml = r##"<View>
      <View style="display:flex">
        <Image name="left" value="$img1"/>
        <Image name="right" value="$img2"/>
      </View>
      <Header value="Sentiment"/>
      <Choices name="sentiment" toName="left,right" choice="single-radio">
        <Choice value="Positive" hotkey="p" background="#00ff00"/>
        <Choice value="Very negative" alias="neg" hotkey="ctrl+n" background="red"/>
      </Choices>
      <View visibleWhen="choice-selected" whenTagName="sentiment" whenChoiceValue="Very negative">
        <Rating name="how_bad" toName="left" maxRating="3" required="true"/>
      </View>
      <Number name="n" toName="right" min="1" max="9" step="2"/>
      <TextArea name="notes" toName="left" rows="3" maxSubmissions="1" maxLength="50"/>
      <RectangleLabels name="objs" toName="right"><Label value="Car" background="#0000ff"/></RectangleLabels>
      <Choices name="occ" toName="right" perRegion="true" choice="multiple"><Choice value="Occluded"/></Choices>
    </View>"##;
    let t = template_from_config(xml).unwrap();
    assert_eq!(t.layout, Layout::SideBySide);
    assert_eq!(
        t.fields.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(),
        ["img1", "img2"]
    );
    let q = &t.questions;
    assert_eq!(
        q.iter().map(|q| q.kind.as_str()).collect::<Vec<_>>(),
        ["choice", "rating", "number", "text", "boxes"]
    );
    assert_eq!(q[0].title_zh, "Sentiment");
    assert_eq!(q[0].field, None, "about both pictures");
    assert!(
        q[0].required,
        "the first question always asked becomes required"
    );
    assert_eq!(q[0].options[1].key, "neg");
    assert_eq!(q[0].options[1].hotkey, None, "not a one-key hotkey");
    assert_eq!(q[0].options[1].colour, None, "not #rrggbb");
    assert_eq!(q[0].options[0].colour.as_deref(), Some("#00ff00"));
    assert_eq!(
        q[1].when,
        Some(Condition {
            question: "sentiment".into(),
            any_of: vec!["neg".into()]
        })
    );
    assert_eq!(q[1].options.len(), 3);
    assert_eq!(
        (q[2].settings.min, q[2].settings.step),
        (Some(1.0), Some(2.0))
    );
    assert_eq!(q[3].settings.max_chars, Some(50));
    assert_eq!(q[4].field.as_deref(), Some("img2"));
    assert_eq!(q[4].settings.attributes[0].key, "occ");
    assert!(q[4].settings.attributes[0].options.is_empty(), "yes/no");
}

#[test]
fn conversations_are_paragraphs_and_markdown_is_text() {
    let t = templates().pop().unwrap();
    let xml = config_from_template(&t);
    assert!(
        xml.contains(r#"<Paragraphs name="prompt" value="$prompt" layout="dialogue" nameKey="role" textKey="content"/>"#),
        "{xml}"
    );
    assert!(
        xml.contains(r#"<Text name="response_1" value="$response_1"/>"#),
        "{xml}"
    );
    assert!(!xml.contains("HyperText"), "{xml}");
    let back = template_from_config(&xml).unwrap();
    assert_eq!(back.fields[0].kind, FieldKind::Conversation);
    assert_eq!(back.fields[1].kind, FieldKind::Text);
    // Label Studio's own dialogue config reads as a conversation field.
    let ls = r#"<View><Paragraphs name="dialogue" value="$dialogue" layout="dialogue"/>
        <Choices name="ok" toName="dialogue" choice="single"><Choice value="好"/><Choice value="差"/></Choices></View>"#;
    let t = template_from_config(ls).unwrap_or_else(|e| panic!("{}", e.message()));
    assert_eq!(t.fields[0].kind, FieldKind::Conversation);
}
