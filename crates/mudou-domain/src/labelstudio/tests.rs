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
    let odd = [json!({"from_name": "x", "type": "ellipselabels", "value": {}})];
    assert_eq!(answer_from_results(&t, &odd, &size).1.len(), 1);
}

#[test]
fn unsupported_tags_are_all_listed() {
    let xml = r#"<View>
      <Image name="img" value="$image"/>
      <PolygonLabels name="poly" toName="img,img2"><Label value="a"/></PolygonLabels>
      <Image name="img2" value="$image2"/>
      <KeyPointLabels name="kp" toName="img"><View/></KeyPointLabels>
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

/// A picture with every drawn kind beyond boxes, each with an attribute.
fn drawings() -> Template {
    serde_json::from_value(json!({
        "fields": [{"name": "photo", "kind": "image", "title_zh": "照片"}],
        "questions": [
            {"key": "area", "kind": "polygon", "title_zh": "圈出区域", "field": "photo",
             "options": [{"key": "road", "name_zh": "路", "colour": "#ff0000"}, {"key": "grass", "name_zh": "草"}],
             "settings": {"attributes": [{"key": "wet", "name_zh": "湿"}]}},
            {"key": "pose", "kind": "keypoints", "title_zh": "关键点", "field": "photo", "required": false,
             "options": [{"key": "person", "name_zh": "人"}, {"key": "dog", "name_zh": "狗"}],
             "settings": {"skeleton": {"points": [
                 {"key": "nose", "name_zh": "鼻子", "name_en": "Nose", "sigma": 0.05},
                 {"key": "l_eye", "name_zh": "左眼", "sigma": 0.05},
                 {"key": "r_eye", "name_zh": "右眼", "sigma": 0.05}], "edges": []},
                 "attributes": [{"key": "side", "name_zh": "朝向", "options": [
                     {"key": "front", "name_zh": "正"}, {"key": "back", "name_zh": "背"}]}]}},
            {"key": "paint", "kind": "mask", "title_zh": "涂出病变", "field": "photo", "required": false,
             "options": [{"key": "lesion", "name_zh": "病变"}]},
            {"key": "ships", "kind": "rotated_box", "title_zh": "船", "field": "photo", "required": false,
             "options": [{"key": "ship", "name_zh": "船"}]},
            {"key": "lanes", "kind": "polyline", "title_zh": "车道线", "field": "photo", "required": false,
             "options": [{"key": "lane", "name_zh": "车道"}]}
        ]
    }))
    .unwrap()
}

fn mask_of(w: u32, h: u32, on: impl Fn(u32, u32) -> bool) -> Value {
    let pixels: Vec<u8> = (0..h)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .map(|(x, y)| u8::from(on(x, y)))
        .collect();
    let r = mudou_consensus::shapes::Rle::encode(h, w, &pixels).unwrap();
    json!({"size": [h, w], "counts": r.to_compressed()})
}

#[test]
fn drawn_kinds_configs_both_ways() {
    let t = drawings();
    t.validate().unwrap();
    let xml = config_from_template(&t);
    assert!(xml.contains("<PolygonLabels name=\"area\""), "{xml}");
    assert!(xml.contains("<BrushLabels name=\"paint\""), "{xml}");
    assert!(xml.contains("canRotate=\"true\""), "{xml}");
    assert!(
        xml.contains(r#"<Label value="人·鼻子" alias="person:nose" model_index="0" hint="Nose"/>"#),
        "{xml}"
    );
    assert!(xml.contains("polyline question lanes"), "{xml}");
    let back = template_from_config(&xml).unwrap_or_else(|e| panic!("{}\n{xml}", e.message()));
    assert_eq!(back, normalise(&t), "{xml}");
    assert!(back.question("lanes").is_none());
    assert_eq!(config_from_template(&back), xml.replace(
        "  <Header value=\"车道线\"/>\n  <Header value=\"(polyline question lanes: Label Studio has no such tag, left out)\"/>\n", ""));
    // Label Studio's own keypoints: the labels are the points of one class; a plain
    // rectangle stays boxes.
    let ls = r#"<View><Image name="img" value="$image"/>
      <KeyPointLabels name="kp-1" toName="img"><Label value="Nose" model_index="1"/><Label value="Face" model_index="0"/></KeyPointLabels>
      <RectangleLabels name="b" toName="img"><Label value="car"/></RectangleLabels></View>"#;
    let t = template_from_config(ls).unwrap();
    let kp = t.question("kp-1").unwrap();
    assert_eq!(kp.kind, "keypoints");
    assert_eq!(kp.options.len(), 1);
    let sk = kp.settings.skeleton.as_ref().unwrap();
    assert_eq!(
        sk.points.iter().map(|p| p.key.as_str()).collect::<Vec<_>>(),
        ["Face", "Nose"]
    );
    assert_eq!(t.question("b").unwrap().kind, "boxes");
}

fn drawn_answer() -> Value {
    json!({
        "area": [{"label": "road", "points": [[10.0, 10.0], [150.5, 12.25], [80.0, 90.0]],
                  "attributes": {"wet": true}},
                 {"label": "grass", "points": [[0.0, 0.0], [200.0, 0.0], [200.0, 100.0], [0.0, 100.0]],
                  "attributes": {"wet": false}}],
        "pose": [{"label": "person", "points": [[20.0, 30.0, 2], [0, 0, 0], [40.5, 31.0, 1]],
                  "attributes": {"side": "front"}},
                 {"label": "person", "points": [[120.0, 30.0, 2], [130.0, 28.0, 2], [110.0, 28.0, 2]],
                  "attributes": {}},
                 {"label": "dog", "points": [[60.0, 70.0, 2], [0, 0, 0], [0, 0, 0]],
                  "attributes": {"side": "back"}}],
        "paint": [{"label": "lesion", "rle": mask_of(200, 100, |x, y| (x as i32 - 60).pow(2) + (y as i32 - 40).pow(2) < 400)}],
        "ships": [{"label": "ship", "cx": 100.0, "cy": 50.0, "w": 60.0, "h": 20.0, "angle": 30.0},
                  {"label": "ship", "cx": 40.25, "cy": 60.5, "w": 30.0, "h": 10.0, "angle": -135.5}],
    })
}

/// Within percent rounding: pixels to 0.01, angles to 0.0001°.
fn close(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            (x.as_f64().unwrap() - y.as_f64().unwrap()).abs() <= 0.011
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| close(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| close(v, w)))
        }
        _ => a == b,
    }
}

#[test]
fn drawn_answers_survive_results_both_ways() {
    let t = drawings();
    let a = drawn_answer();
    for q in &t.questions {
        if let Some(v) = a.get(&q.key) {
            q.kind()
                .parse(q, v, Some((200, 100)))
                .unwrap_or_else(|e| panic!("{}: {e:?}", q.key));
        }
    }
    let results = results_from_answer(&t, &a, &size, "9");
    let r = read_results(&t, &results, &size);
    assert!(
        r.left_out.is_empty() && r.refused.is_empty(),
        "{:?} {:?}",
        r.left_out,
        r.refused
    );
    assert!(
        close(&Value::Object(r.answer.clone()), &a),
        "{:#}\n{:#}",
        Value::Object(r.answer),
        a
    );
    // Label Studio's layout: top-left corner before the turn, a clockwise rotation in [0, 360).
    let ship = results.iter().find(|x| x["from_name"] == "ships").unwrap();
    let v = &ship["value"];
    let (s, c) = 30f64.to_radians().sin_cos();
    let x0 = 100.0 - (30.0 * c - 10.0 * s);
    assert!((v["x"].as_f64().unwrap() - x0 / 2.0).abs() < 1e-9, "{v}");
    assert_eq!(v["width"], 30.0);
    let second = results
        .iter()
        .filter(|x| x["from_name"] == "ships")
        .nth(1)
        .unwrap();
    assert_eq!(second["value"]["rotation"], 224.5);
    // A hidden point carries a region note; an absent one is not written.
    let points: Vec<&Value> = results
        .iter()
        .filter(|x| x["type"] == "keypointlabels")
        .collect();
    assert_eq!(points.len(), 2 + 3 + 1);
    assert_eq!(points[1]["meta"]["text"][0], "hidden");
    assert_eq!(points[0]["value"]["keypointlabels"][0], "person:nose");
    // The polygon's attribute rides on its region.
    let wet = results
        .iter()
        .find(|x| x["from_name"] == "area.wet")
        .unwrap();
    assert_eq!(wet["id"], results[0]["id"]);
    assert_eq!(wet["value"]["points"], results[0]["value"]["points"]);
    // The polyline is not written: Label Studio has no line tag.
    let with_lane = json!({"lanes": [{"label": "lane", "points": [[1, 1], [5, 5]]}]});
    assert!(results_from_answer(&t, &with_lane, &size, "1").is_empty());
    // An empty annotation: nothing drawn on any picture question it can hold.
    assert_eq!(
        Value::Object(read_results(&t, &[], &size).answer),
        json!({"area": [], "pose": [], "paint": [], "ships": []})
    );
}

#[test]
fn bad_regions_are_refused_with_the_reason() {
    let t = drawings();
    let region = |ty: &str, from: &str, value: Value| {
        json!({"id": "r", "from_name": from, "to_name": "photo", "type": ty,
               "original_width": 200, "original_height": 100, "value": value})
    };
    let cases = [
        (
            region(
                "polygonlabels",
                "area",
                json!({"points": [[1, 1], [5, 5]], "polygonlabels": ["road"]}),
            ),
            "at least 3 points",
        ),
        (
            region(
                "polygonlabels",
                "area",
                json!({"points": [[1, 1], [5, 5], [101, 3]], "polygonlabels": ["road"]}),
            ),
            "outside 0–100 %",
        ),
        (
            region(
                "polygonlabels",
                "area",
                json!({"points": [[1, 1], [5, 5], [1, 3]], "polygonlabels": ["sky"]}),
            ),
            "not one of its classes",
        ),
        (
            region(
                "keypointlabels",
                "pose",
                json!({"x": -1, "y": 5, "width": 1, "keypointlabels": ["person:nose"]}),
            ),
            "outside 0–100 %",
        ),
        (
            region(
                "keypointlabels",
                "pose",
                json!({"x": 1, "y": 5, "width": 1, "keypointlabels": ["cat:nose"]}),
            ),
            "no class",
        ),
        (
            region(
                "keypointlabels",
                "pose",
                json!({"x": 1, "y": 5, "width": 1, "keypointlabels": ["person:tail"]}),
            ),
            "no point",
        ),
        (
            region(
                "brushlabels",
                "paint",
                json!({"format": "rle", "rle": brush::encode(&[255; 4 * 10]), "brushlabels": ["lesion"]}),
            ),
            "the picture's RGBA has 80000",
        ),
        (
            region(
                "brushlabels",
                "paint",
                json!({"format": "rle", "rle": [0, 0, 0], "brushlabels": ["lesion"]}),
            ),
            "ends too soon",
        ),
        (
            region(
                "rectanglelabels",
                "ships",
                json!({"x": 10, "y": 10, "width": 120, "height": 5, "rotation": 10, "rectanglelabels": ["ship"]}),
            ),
            "outside 0–100 %",
        ),
    ];
    for (r, why) in cases {
        let out = read_results(&t, std::slice::from_ref(&r), &size);
        assert_eq!(out.refused.len(), 1, "{r}");
        assert!(out.refused[0].contains(why), "{}: {why}", out.refused[0]);
        assert!(out.answer.is_empty(), "{r}");
    }
    // A brush of another picture's size.
    let mut r = region(
        "brushlabels",
        "paint",
        json!({"format": "rle", "rle": brush::encode(&[0; 4 * 50]), "brushlabels": ["lesion"]}),
    );
    r["original_width"] = json!(10);
    r["original_height"] = json!(5);
    let out = read_results(&t, &[r], &size);
    assert!(out.refused[0].contains("10×5"), "{:?}", out.refused);
}

#[test]
fn brush_rle_reads_label_studio_layout() {
    // 5 values [7, 7, 7, 1, 2]: a header of 32 + 5 + 16 bits, a repeat of 3 (size 3 bits) and
    // a literal of 2, bit by bit as Label Studio's decode_rle reads them.
    let bits = format!(
        "{:032b}{:05b}{:04b}{:04b}{:04b}{:04b}1{:02b}{:03b}{:08b}0{:02b}{:03b}{:08b}{:08b}",
        5, 7, 2, 3, 7, 15, 0, 2, 7, 0, 1, 1, 2
    );
    let mut bytes = Vec::new();
    for chunk in bits.as_bytes().chunks(8) {
        let s: String = chunk.iter().map(|&b| b as char).collect();
        bytes.push(u8::from_str_radix(&format!("{s:0<8}"), 2).unwrap());
    }
    assert_eq!(brush::decode(&bytes, 5).unwrap(), [7, 7, 7, 1, 2]);
    assert_eq!(brush::encode(&[7, 7, 7, 1, 2]), bytes);
    assert!(brush::decode(&bytes, 6).is_err());
}

mod properties {
    use mudou_consensus::shapes::Rle;
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;

    proptest! {
        #[test]
        fn brush_values_round_trip(values in proptest::collection::vec(prop_oneof![Just(0u8), Just(255u8), any::<u8>()], 0..3000)) {
            let enc = brush::encode(&values);
            prop_assert_eq!(brush::decode(&enc, values.len()).unwrap(), values);
        }

        #[test]
        fn brush_masks_round_trip(w in 1u32..40, h in 1u32..40, seed in any::<u64>(), density in 0u64..4) {
            let pixels: Vec<u8> = (0..w * h)
                .map(|i| u8::from((seed.rotate_left(i % 64) ^ u64::from(i / 7)) % 4 < density))
                .collect();
            let m = Rle::encode(h, w, &pixels).unwrap();
            prop_assert_eq!(brush::to_mask(&brush::from_mask(&m), w, h).unwrap(), m);
        }

        #[test]
        fn rotation_and_centre_round_trip(cx in 20.0f64..180.0, cy in 20.0f64..80.0,
                                          w in 1.0f64..30.0, h in 1.0f64..30.0, angle in -179.9f64..180.0) {
            let t = drawings();
            let a = json!({"ships": [{"label": "ship", "cx": cx, "cy": cy, "w": w, "h": h, "angle": angle}]});
            let results = results_from_answer(&t, &a, &size, "1");
            let v = &results[0]["value"];
            let rot = v["rotation"].as_f64().unwrap();
            prop_assert!((0.0..360.0).contains(&rot));
            let back = read_results(&t, &results, &size);
            prop_assert!(back.refused.is_empty(), "{:?}", back.refused);
            let b = &back.answer["ships"][0];
            for (k, want) in [("cx", cx), ("cy", cy), ("w", w), ("h", h)] {
                prop_assert!((b[k].as_f64().unwrap() - want).abs() <= 0.006, "{} {} {}", k, b[k], want);
            }
            let d = (b["angle"].as_f64().unwrap() - angle).rem_euclid(360.0);
            prop_assert!(d.min(360.0 - d) <= 1e-4, "{} {}", b["angle"], angle);
        }
    }
}

#[test]
fn label_studio_keypoints_group_into_objects() {
    // Label Studio's own labels (point names, one class): an object ends where a point of
    // it comes again.
    let ls = r#"<View><Image name="img" value="$image"/>
      <KeyPointLabels name="kp" toName="img"><Label value="Face"/><Label value="Nose"/></KeyPointLabels></View>"#;
    let t = template_from_config(ls).unwrap();
    let point = |label: &str, x: f64| {
        json!({"id": format!("{label}{x}"), "from_name": "kp", "to_name": "img", "type": "keypointlabels",
               "original_width": 200, "original_height": 100,
               "value": {"x": x, "y": 50, "width": 1, "keypointlabels": [label]}})
    };
    let r = read_results(
        &t,
        &[
            point("Face", 10.0),
            point("Nose", 20.0),
            point("Nose", 60.0),
        ],
        &size,
    );
    assert!(r.refused.is_empty(), "{:?}", r.refused);
    assert_eq!(
        r.answer["kp"],
        json!([{"label": "kp", "points": [[20.0, 50.0, 2], [40.0, 50.0, 2]]},
               {"label": "kp", "points": [[0, 0, 0], [120.0, 50.0, 2]]}])
    );
}
