use mudou_media::{TableFormat, parse_manifest, parse_text_items};

#[test]
fn csv_manifest_with_all_columns() {
    let csv = "\u{feff}file,tag,label,labels,boxes,text,camera\n\
        a.png,t1,circle,,\"[{\"\"label\"\":\"\"circle\"\",\"\"x\"\":1.5,\"\"y\"\":2,\"\"w\"\":3,\"\"h\"\":4}]\",,c1\n\
        .\\sub\\b.png,,,a|b,,hello,c2\n";
    let rows = parse_manifest(TableFormat::Csv, "manifest.csv", csv.as_bytes()).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].line, 2);
    assert_eq!(rows[0].tag.as_deref(), Some("t1"));
    assert_eq!(rows[0].boxes.as_ref().unwrap()[0].x, 1.5);
    assert_eq!(rows[1].file, "sub/b.png");
    assert_eq!(rows[1].labels, ["a", "b"]);
    assert_eq!(rows[1].text.as_deref(), Some("hello"));
    assert_eq!(rows[1].meta["camera"], "c2");
}

#[test]
fn manifest_errors_name_the_line() {
    let cases: [(&str, u64, &str); 5] = [
        ("name,label\nx.png,a\n", 1, "no `file` column"),
        ("file,label\na.png,x\na.png,y\n", 3, "listed twice"),
        ("file,boxes\na.png,[oops\n", 2, "not valid JSON"),
        (
            "file,boxes\na.png,\"[{\"\"label\"\":\"\"a\"\",\"\"x\"\":0,\"\"y\"\":0,\"\"w\"\":-1,\"\"h\"\":1}]\"\n",
            2,
            "box 1",
        ),
        (
            "file,label\na.png,x\nb.png,y,extra\n",
            3,
            "expected 2 fields",
        ),
    ];
    for (csv, line, needle) in cases {
        let err = parse_manifest(TableFormat::Csv, "m.csv", csv.as_bytes()).unwrap_err();
        assert_eq!(err.code(), "bad_manifest");
        let msg = err.to_string();
        assert!(msg.contains(&format!("line {line}")), "{msg}");
        assert!(msg.contains(needle), "{msg}");
    }
}

#[test]
fn jsonl_manifest() {
    let jsonl = "{\"file\":\"a.png\",\"label\":[\"x\",\"y\"],\"boxes\":[{\"label\":\"x\",\"x\":1,\"y\":1,\"w\":2,\"h\":2}],\"score\":3}\n\n\
        {\"file\":\"b.png\",\"tag\":\"t\"}\n";
    let rows = parse_manifest(TableFormat::Jsonl, "manifest.jsonl", jsonl.as_bytes()).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].labels, ["x", "y"]);
    assert_eq!(rows[0].meta["score"], 3);
    assert_eq!(rows[1].line, 3);
    let err =
        parse_manifest(TableFormat::Jsonl, "m.jsonl", b"{\"file\":\"a\"}\n[1]\n").unwrap_err();
    assert!(err.to_string().contains("line 2"), "{err}");
    let err =
        parse_manifest(TableFormat::Jsonl, "m.jsonl", b"{\"file\":\"a\"}\n{bad\n").unwrap_err();
    assert!(err.to_string().contains("line 2: invalid JSON"), "{err}");
}

#[test]
fn text_items_from_csv_and_jsonl() {
    let csv = "id,text,label\n1,很好的商品,positive\n2,\"multi\nline\",negative\n3,plain,\n";
    let items = parse_text_items(TableFormat::Csv, "t.csv", csv.as_bytes()).unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0].text, "很好的商品");
    assert_eq!(items[1].text, "multi\nline");
    assert_eq!(items[2].line, 5);
    assert_eq!(items[2].label, None);

    let jsonl = "{\"id\":7,\"text\":\"hi\",\"label\":\"a\"}\n{\"text\":\"yo\"}\n";
    let items = parse_text_items(TableFormat::Jsonl, "t.jsonl", jsonl.as_bytes()).unwrap();
    assert_eq!(items[0].id.as_deref(), Some("7"));
    assert_eq!(items[1].id, None);

    let err = parse_text_items(TableFormat::Csv, "t.csv", b"id,text\n1,a\n1,b\n").unwrap_err();
    assert!(err.to_string().contains("t.csv, line 3"), "{err}");
    let err = parse_text_items(TableFormat::Csv, "t.csv", b"id,text\n1,\n").unwrap_err();
    assert!(err.to_string().contains("`text` is empty"), "{err}");
}

#[test]
fn gbk_csv_from_chinese_excel() {
    let (gbk, _, _) = encoding_rs::GBK.encode("text,label\n今天天气很好,正面\n");
    let items = parse_text_items(TableFormat::Csv, "t.csv", &gbk).unwrap();
    assert_eq!(items[0].text, "今天天气很好");
    assert_eq!(items[0].label.as_deref(), Some("正面"));
}
