//! Dossiers (issue 15): documents attached to assessments (and their criteria),
//! recognitions, registrations and sponsorship activities, stored by hash in the object
//! store (a folder per test, or a prefix of the S3 bucket of `.ci/run`).
use std::io::{Read, Write};

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{
    count_rows, document_form, expect_json, expect_problem, pdf, TestApp, HA_TINH, KY_ANH, KY_LAC,
    KY_TAY, NGHE_AN,
};

/// Kỳ Lạc's draft self-assessment against Hà Tĩnh's set, with the commune's token.
async fn draft(app: &TestApp) -> (i64, String) {
    let version = app.ha_tinh_version().await;
    let commune = app.commune(KY_LAC).await;
    let id = app.draft_assessment(&commune, version, KY_LAC).await["id"]
        .as_i64()
        .unwrap();
    (id, commune)
}

fn documents_of(id: i64) -> String {
    format!("/api/v1/assessments/{id}/documents")
}

/// A DOCX: a ZIP with the parts of a Word document, in Word's order.
fn docx() -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    zip.start_file("[Content_Types].xml", options).unwrap();
    zip.write_all(br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#).unwrap();
    zip.start_file("_rels/.rels", options).unwrap();
    zip.write_all(b"<Relationships/>").unwrap();
    zip.start_file("word/document.xml", options).unwrap();
    zip.write_all(
        b"<w:document><w:body><w:p><w:r><w:t>Bien ban</w:t></w:r></w:p></w:body></w:document>",
    )
    .unwrap();
    zip.start_file("word/styles.xml", options).unwrap();
    zip.write_all(b"<w:styles/>").unwrap();
    zip.start_file("docProps/core.xml", options).unwrap();
    zip.write_all(b"<cp:coreProperties/>").unwrap();
    zip.finish().unwrap().into_inner()
}

#[tokio::test]
async fn a_commune_uploads_a_pdf_and_anyone_downloads_it_whole_or_by_range() {
    let app = TestApp::spawn().await;
    let (id, commune) = draft(&app).await;
    let bytes = pdf("báo cáo");
    let name = "Báo cáo kết quả \"xã\" Kỳ Lạc.pdf";
    let response = app
        .upload(
            &documents_of(id),
            Some(&commune),
            bytes.clone(),
            name,
            &[
                ("kind", "report"),
                ("criterion", "17"),
                ("title", "Báo cáo kết quả"),
            ],
        )
        .await;
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let doc = expect_json(response, StatusCode::CREATED).await;
    let doc_id = doc["id"].as_i64().unwrap();
    assert_eq!(location, format!("/api/v1/documents/{doc_id}"));
    assert_eq!(doc["media_type"], "application/pdf");
    assert_eq!(doc["kind"], "report");
    assert_eq!(doc["criterion"], "17");
    assert_eq!(doc["file_name"], name);
    assert_eq!(doc["size_bytes"], bytes.len());
    use sha2::Digest;
    let sha = hex::encode(sha2::Sha256::digest(&bytes));
    assert_eq!(doc["sha256"], sha);
    assert_eq!(doc["parent"], "assessment");
    assert!(doc["uploaded_by"].as_str().unwrap().starts_with("commune-"));
    assert_eq!(app.get_ok(&location, Some(&commune)).await, doc);
    // The bytes live under their hash, nothing else stays in the store.
    assert_eq!(app.stored_objects().await, vec![format!("blobs/{sha}")]);

    // Submitted, the assessment is public, and so are its documents.
    app.act_ok(&commune, id, "submit", None).await;
    let content = app.get(&format!("{location}/content"), None).await;
    assert_eq!(content.status(), StatusCode::OK);
    let h = content.headers().clone();
    assert_eq!(h["content-type"], "application/pdf");
    assert_eq!(h["etag"].to_str().unwrap(), format!("\"{sha}\""));
    assert_eq!(h["accept-ranges"], "bytes");
    let disposition = h["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"Bao cao ket qua _xa_ Ky Lac.pdf\""),
        "{disposition}"
    );
    assert!(
        disposition.ends_with("filename*=UTF-8''B%C3%A1o%20c%C3%A1o%20k%E1%BA%BFt%20qu%E1%BA%A3%20%22x%C3%A3%22%20K%E1%BB%B3%20L%E1%BA%A1c.pdf"),
        "{disposition}"
    );
    assert_eq!(content.bytes().await.unwrap().as_ref(), bytes.as_slice());

    // A phone resumes: bytes 10-19, then the rest from 100.
    let part = app
        .request(reqwest::Method::GET, &format!("{location}/content"), None)
        .header("Range", "bytes=10-19")
        .header("If-Range", format!("\"{sha}\""))
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        part.headers()["content-range"].to_str().unwrap(),
        format!("bytes 10-19/{}", bytes.len())
    );
    assert_eq!(part.bytes().await.unwrap().as_ref(), &bytes[10..20]);
    let tail = app
        .request(reqwest::Method::GET, &format!("{location}/content"), None)
        .header("Range", "bytes=100-")
        .send()
        .await
        .unwrap();
    assert_eq!(tail.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(tail.bytes().await.unwrap().as_ref(), &bytes[100..]);
    // The bytes changed since (another ETag): the whole content.
    let stale = app
        .request(reqwest::Method::GET, &format!("{location}/content"), None)
        .header("Range", "bytes=10-19")
        .header("If-Range", "\"0000\"")
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::OK);
    assert_eq!(stale.bytes().await.unwrap().len(), bytes.len());
    let outside = app
        .request(reqwest::Method::GET, &format!("{location}/content"), None)
        .header("Range", "bytes=999999-")
        .send()
        .await
        .unwrap();
    assert_eq!(
        outside.headers()["content-range"].to_str().unwrap(),
        format!("bytes */{}", bytes.len())
    );
    expect_problem(
        outside,
        StatusCode::RANGE_NOT_SATISFIABLE,
        "range-not-satisfiable",
    )
    .await;
    let again = app
        .request(reqwest::Method::GET, &format!("{location}/content"), None)
        .header("If-None-Match", format!("\"{sha}\""))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    // Listed per parent, with pagination; counted in the commune's status.
    let page = app
        .get_ok(&format!("{}?per_page=1", documents_of(id)), None)
        .await;
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["id"], doc_id);
    let status = app
        .get_ok(&format!("/api/v1/communes/{KY_LAC}/status"), None)
        .await;
    assert_eq!(status["latest_assessment"]["id"], id);
    assert_eq!(status["latest_assessment"]["documents"], 1);
    // The change feed carries the metadata.
    let feed = app
        .get_ok("/api/v1/changes?since=0&limit=1000", Some(&app.admin_token))
        .await;
    let entry = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["entity"] == "document")
        .expect("a document in the feed")
        .clone();
    assert_eq!(entry["key"], doc_id.to_string());
    assert_eq!(entry["op"], "upsert");
    assert_eq!(entry["data"]["sha256"], sha);
    assert_eq!(entry["province_code"], HA_TINH);
}

#[tokio::test]
async fn the_dossier_is_one_zip_with_the_documents_and_an_index() {
    let app = TestApp::spawn().await;
    let (id, commune) = draft(&app).await;
    let report = pdf("report");
    let minutes = docx();
    for (bytes, name, kind) in [
        (report.clone(), "Báo cáo.pdf", "report"),
        (minutes.clone(), "Biên bản họp.docx", "minutes"),
    ] {
        let r = app
            .upload(
                &documents_of(id),
                Some(&commune),
                bytes,
                name,
                &[("kind", kind)],
            )
            .await;
        let doc = expect_json(r, StatusCode::CREATED).await;
        if kind == "minutes" {
            assert_eq!(
                doc["media_type"],
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            );
            assert_eq!(doc["title"], "Biên bản họp");
        }
    }
    let response = app
        .get(&format!("/api/v1/assessments/{id}/dossier"), Some(&commune))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/zip");
    let body = response.bytes().await.unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(body.to_vec())).unwrap();
    let mut names: Vec<String> = archive
        .file_names()
        .map(|n| n.unwrap().to_string())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "documents/001-Báo cáo.pdf",
            "documents/002-Biên bản họp.docx",
            "index.json",
            "index.txt"
        ]
    );
    let mut read = |name: &str| {
        let mut out = Vec::new();
        archive
            .by_name(name)
            .unwrap()
            .read_to_end(&mut out)
            .unwrap();
        out
    };
    assert_eq!(read("documents/001-Báo cáo.pdf"), report);
    assert_eq!(read("documents/002-Biên bản họp.docx"), minutes);
    let index: Value = serde_json::from_slice(&read("index.json")).unwrap();
    assert_eq!(index["assessment"]["id"], id);
    assert_eq!(
        index["assessment"]["criteria"].as_array().unwrap().len(),
        20
    );
    assert_eq!(
        index["documents"][1]["path"],
        "documents/002-Biên bản họp.docx"
    );
    assert_eq!(index["documents"][1]["kind"], "minutes");
    let text = String::from_utf8(read("index.txt")).unwrap();
    assert!(text.contains("Tài liệu / Documents: 2"), "{text}");
    assert!(text.contains("đạt 0/20"), "{text}");
}

#[tokio::test]
async fn an_upload_over_the_limit_is_refused_while_it_streams_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let (id, commune) = draft(&app).await;
    // 21 MB beginning as a PDF: the limit is 20 MiB.
    let mut big = pdf("big");
    big.resize(21_000_000, b' ');
    let response = app
        .upload(&documents_of(id), Some(&commune), big, "big.pdf", &[])
        .await;
    let problem =
        expect_problem(response, StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large").await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .starts_with("file: larger than the limit of 20971520 bytes"),
        "{problem}"
    );
    assert_eq!(count_rows(&app.db, "documents").await, 0);
    assert_eq!(app.stored_objects().await, Vec::<String>::new());
    // The same file under the limit is taken.
    let mut fits = pdf("fits");
    fits.resize(20 * 1024 * 1024, b' ');
    let response = app
        .upload(&documents_of(id), Some(&commune), fits, "fits.pdf", &[])
        .await;
    let doc = expect_json(response, StatusCode::CREATED).await;
    assert_eq!(doc["size_bytes"], 20 * 1024 * 1024);
}

#[tokio::test]
async fn a_renamed_executable_and_other_types_are_refused_with_415() {
    let app = TestApp::spawn().await;
    let (id, commune) = draft(&app).await;
    let mut elf = b"\x7fELF\x02\x01\x01\x00".to_vec();
    elf.extend(std::iter::repeat_n(0u8, 4096));
    let mut exe = b"MZ\x90\x00\x03\x00\x00\x00".to_vec();
    exe.extend(std::iter::repeat_n(0u8, 4096));
    for (bytes, name) in [
        (elf, "bao-cao.pdf"),
        (exe, "bien-ban.pdf"),
        (b"just some text, not a document".to_vec(), "ghi-chu.pdf"),
    ] {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(bytes)
                .file_name(name)
                .mime_str("application/pdf")
                .unwrap(),
        );
        let response = app
            .request(reqwest::Method::POST, &documents_of(id), Some(&commune))
            .multipart(form)
            .send()
            .await
            .unwrap();
        let problem = expect_problem(
            response,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
        )
        .await;
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("accepted: application/pdf"),
            "{problem}"
        );
    }
    // Not a form at all.
    let response = app
        .post(&documents_of(id), Some(&commune), &json!({"file": "x"}))
        .await;
    expect_problem(
        response,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported-media-type",
    )
    .await;
    // A form without a file, or with a field the form does not have.
    let response = app
        .request(reqwest::Method::POST, &documents_of(id), Some(&commune))
        .multipart(reqwest::multipart::Form::new().text("title", "x"))
        .send()
        .await
        .unwrap();
    let problem = expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(problem["errors"][0]["field"], "file");
    let response = app
        .upload(
            &documents_of(id),
            Some(&commune),
            pdf("x"),
            "x.pdf",
            &[("kind", "poem"), ("criterion", "99")],
        )
        .await;
    let problem = expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["kind", "criterion"]);
    assert_eq!(count_rows(&app.db, "documents").await, 0);
    assert_eq!(app.stored_objects().await, Vec::<String>::new());
}

#[tokio::test]
async fn the_same_file_twice_is_a_409_naming_the_first_and_removal_keeps_the_row() {
    let app = TestApp::spawn().await;
    let (id, commune) = draft(&app).await;
    let bytes = pdf("twice");
    let first = expect_json(
        app.upload(
            &documents_of(id),
            Some(&commune),
            bytes.clone(),
            "a.pdf",
            &[],
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let first_id = first["id"].as_i64().unwrap();
    let again = app
        .upload(
            &documents_of(id),
            Some(&commune),
            bytes.clone(),
            "b.pdf",
            &[],
        )
        .await;
    let problem = expect_problem(again, StatusCode::CONFLICT, "conflict").await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("already document {first_id} ")),
        "{problem}"
    );
    assert_eq!(problem["errors"][0]["field"], "file");
    // The same bytes on another parent (a registration) share the blob.
    let province = app.province(HA_TINH).await;
    let registration = app
        .created(
            "/api/v1/registrations",
            &province,
            &json!({"unit_code": KY_LAC, "level": "commune", "target_year": 2021}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let shared = expect_json(
        app.upload(
            &format!("/api/v1/registrations/{registration}/documents"),
            Some(&province),
            bytes.clone(),
            "a.pdf",
            &[],
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(shared["sha256"], first["sha256"]);
    let sha = first["sha256"].as_str().unwrap().to_string();
    assert_eq!(app.stored_objects().await, vec![format!("blobs/{sha}")]);

    // Removing needs the ETag; the row stays, marked; the blob stays for the other.
    let path = format!("/api/v1/documents/{first_id}");
    let stale = app
        .request(reqwest::Method::DELETE, &path, Some(&commune))
        .header("If-Match", format!("\"{first_id}-9\""))
        .send()
        .await
        .unwrap();
    expect_problem(
        stale,
        StatusCode::PRECONDITION_FAILED,
        "precondition-failed",
    )
    .await;
    let etag = app.etag(&path, Some(&commune)).await;
    let removed = app
        .request(reqwest::Method::DELETE, &path, Some(&commune))
        .header("If-Match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    let meta = app.get_ok(&path, Some(&commune)).await;
    assert!(meta["removed_at"].is_string(), "{meta}");
    assert!(meta["removed_by"].as_str().unwrap().starts_with("commune-"));
    let content = app.get(&format!("{path}/content"), Some(&commune)).await;
    expect_problem(content, StatusCode::NOT_FOUND, "not-found").await;
    assert_eq!(
        app.get_ok(&documents_of(id), Some(&commune)).await["total"],
        0
    );
    let all = app
        .get_ok(
            &format!("{}?include_removed=true", documents_of(id)),
            Some(&commune),
        )
        .await;
    assert_eq!(all["total"], 1);
    assert_eq!(app.stored_objects().await, vec![format!("blobs/{sha}")]);
    // Once removed, the file may be attached again.
    expect_json(
        app.upload(
            &documents_of(id),
            Some(&commune),
            bytes.clone(),
            "a.pdf",
            &[],
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    // Deleting the registration removes its documents; the blob stays for the assessment's.
    let reg_path = format!("/api/v1/registrations/{registration}");
    let etag = app.etag(&reg_path, Some(&province)).await;
    let deleted = app
        .request(reqwest::Method::DELETE, &reg_path, Some(&province))
        .header("If-Match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    // Its parent gone, the document is gone from the API; its row stays, marked.
    let shared_path = format!("/api/v1/documents/{}", shared["id"]);
    assert_eq!(
        app.get(&shared_path, Some(&app.admin_token)).await.status(),
        StatusCode::NOT_FOUND
    );
    use sea_orm::EntityTrait;
    let row = entity::document::Entity::find_by_id(shared["id"].as_i64().unwrap() as i32)
        .one(&app.db)
        .await
        .unwrap()
        .expect("the row stays");
    assert!(
        row.removed_at.is_some() && row.removed_by.is_some(),
        "{row:?}"
    );
    assert_eq!(app.stored_objects().await, vec![format!("blobs/{sha}")]);
    // Deleting the draft assessment removes the last holder: the bytes go.
    let a_path = format!("/api/v1/assessments/{id}");
    let etag = app.etag(&a_path, Some(&commune)).await;
    let deleted = app
        .request(reqwest::Method::DELETE, &a_path, Some(&commune))
        .header("If-Match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.stored_objects().await, Vec::<String>::new());
    let feed = app
        .get_ok("/api/v1/changes?since=0&limit=1000", Some(&app.admin_token))
        .await;
    let tombstones = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["entity"] == "document" && c["op"] == "delete")
        .count();
    assert_eq!(tombstones, 3);
}

/// Who may attach, remove and read, per parent (the role table's documents rows).
#[tokio::test]
async fn documents_follow_their_parent_for_who_may_attach_remove_and_read() {
    let app = TestApp::spawn().await;
    let (id, commune) = draft(&app).await;
    let viewer = app.viewer().await;
    let province = app.province(HA_TINH).await;
    let district = app.district(KY_ANH).await;
    let other_commune = app.commune(KY_TAY).await;
    let other_province = app.province(NGHE_AN).await;
    let path = documents_of(id);
    let mut n = 0;
    let mut upload = |token: Option<String>| {
        n += 1;
        let (app, path) = (&app, path.clone());
        async move {
            app.upload(&path, token.as_deref(), pdf(&format!("u{n}")), "x.pdf", &[])
                .await
                .status()
        }
    };
    // A draft self-assessment: its commune (and admins) attach; its district and province
    // read but may not attach (403); others do not see it (404); no token: 401.
    assert_eq!(upload(None).await, StatusCode::UNAUTHORIZED);
    assert_eq!(upload(Some(province.clone())).await, StatusCode::FORBIDDEN);
    assert_eq!(upload(Some(district.clone())).await, StatusCode::FORBIDDEN);
    assert_eq!(upload(Some(viewer.clone())).await, StatusCode::FORBIDDEN);
    assert_eq!(
        upload(Some(other_commune.clone())).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        upload(Some(other_province.clone())).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(upload(Some(commune.clone())).await, StatusCode::CREATED);
    assert_eq!(
        upload(Some(app.admin_token.clone())).await,
        StatusCode::CREATED
    );
    let doc = app.get_ok(&path, Some(&commune)).await["items"][0].clone();
    let doc_path = format!("/api/v1/documents/{}", doc["id"]);
    // A viewer reads the draft's figures, never its papers; nor does anyone outside.
    for token in [
        None,
        Some(viewer.as_str()),
        Some(other_commune.as_str()),
        Some(other_province.as_str()),
    ] {
        for p in [
            path.clone(),
            doc_path.clone(),
            format!("{doc_path}/content"),
            format!("/api/v1/assessments/{id}/dossier"),
        ] {
            assert_eq!(
                app.get(&p, token).await.status(),
                StatusCode::NOT_FOUND,
                "{p} {token:?}"
            );
        }
    }
    for token in [&commune, &district, &province, &app.admin_token] {
        assert_eq!(
            app.get(&format!("{doc_path}/content"), Some(token))
                .await
                .status(),
            StatusCode::OK
        );
    }
    // Removing follows attaching.
    let etag = app.etag(&doc_path, Some(&commune)).await;
    let remove = |token: Option<String>| {
        let (app, doc_path, etag) = (&app, doc_path.clone(), etag.clone());
        async move {
            app.request(reqwest::Method::DELETE, &doc_path, token.as_deref())
                .header("If-Match", etag)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(remove(None).await, StatusCode::UNAUTHORIZED);
    assert_eq!(remove(Some(province.clone())).await, StatusCode::FORBIDDEN);
    assert_eq!(remove(Some(viewer.clone())).await, StatusCode::NOT_FOUND);
    assert_eq!(
        remove(Some(other_commune.clone())).await,
        StatusCode::NOT_FOUND
    );

    // Submitted, the assessment is public and closed: reads for all, writes 409.
    app.act_ok(&commune, id, "submit", None).await;
    assert_eq!(upload(Some(commune.clone())).await, StatusCode::CONFLICT);
    assert_eq!(remove(Some(commune.clone())).await, StatusCode::CONFLICT);
    for token in [None, Some(viewer.as_str()), Some(other_province.as_str())] {
        assert_eq!(
            app.get(&format!("{doc_path}/content"), token)
                .await
                .status(),
            StatusCode::OK
        );
    }
    // Returned to draft, it opens again.
    app.act_ok(&district, id, "return", Some("thiếu biên bản"))
        .await;
    assert_eq!(upload(Some(commune.clone())).await, StatusCode::CREATED);
    assert_eq!(remove(Some(commune.clone())).await, StatusCode::NO_CONTENT);
    // The district's review is the district's to document.
    let version = app
        .get_ok(&format!("/api/v1/assessments/{id}"), Some(&commune))
        .await["criteria_version_id"]
        .as_i64()
        .unwrap();
    let review = app
        .created("/api/v1/assessments", &district, &json!({"unit_code": KY_LAC, "criteria_version_id": version, "assessed_on": "2021-10-01", "kind": "district_review"}))
        .await["id"]
        .as_i64()
        .unwrap();
    let review_docs = documents_of(review);
    assert_eq!(
        app.upload(&review_docs, Some(&commune), pdf("r"), "r.pdf", &[])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.upload(&review_docs, Some(&district), pdf("r"), "r.pdf", &[])
            .await
            .status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn recognitions_registrations_and_activities_take_documents_from_their_editors() {
    let app = TestApp::spawn().await;
    let version = app.ha_tinh_version().await;
    let province = app.province(HA_TINH).await;
    let other_province = app.province(NGHE_AN).await;
    let district = app.district(KY_ANH).await;
    let commune = app.commune(KY_LAC).await;
    let viewer = app.viewer().await;
    let appraised = app.appraised_assessment(version, KY_LAC, 20).await;
    let recognition = app
        .created("/api/v1/recognitions", &province, &json!({"unit_code": KY_LAC, "level": "commune", "assessment_id": appraised,
            "decision_number": "1234/QĐ-UBND", "decided_on": "2021-12-30", "signer": "Chủ tịch UBND tỉnh", "recognition_year": 2021}))
        .await["id"]
        .as_i64()
        .unwrap();
    // A recognised assessment's dossier is fixed.
    assert_eq!(
        app.upload(
            &documents_of(appraised),
            Some(&app.admin_token),
            pdf("late"),
            "late.pdf",
            &[]
        )
        .await
        .status(),
        StatusCode::CONFLICT
    );
    // The signed decision goes on the recognition: the province's, until revoked.
    let path = format!("/api/v1/recognitions/{recognition}/documents");
    for (token, status) in [
        (None, StatusCode::UNAUTHORIZED),
        (Some(&commune), StatusCode::FORBIDDEN),
        (Some(&district), StatusCode::FORBIDDEN),
        (Some(&viewer), StatusCode::FORBIDDEN),
        (Some(&other_province), StatusCode::FORBIDDEN),
        (Some(&province), StatusCode::CREATED),
    ] {
        let r = app
            .upload(
                &path,
                token.map(|t| t.as_str()),
                pdf("decision"),
                "QĐ 1234.pdf",
                &[("kind", "decision")],
            )
            .await;
        assert_eq!(r.status(), status, "{token:?}");
    }
    // A criterion belongs to assessments only.
    let r = app
        .upload(
            &path,
            Some(&province),
            pdf("d2"),
            "d2.pdf",
            &[("criterion", "1")],
        )
        .await;
    assert_eq!(
        expect_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation").await["errors"][0]
            ["field"],
        "criterion"
    );
    assert_eq!(app.get_ok(&path, None).await["total"], 1);
    let revoked = app
        .post(&format!("/api/v1/recognitions/{recognition}/revoke"), Some(&province),
            &json!({"decision_number": "99/QĐ-UBND", "decided_on": "2024-05-01", "reason": "không duy trì"}))
        .await;
    assert_eq!(revoked.status(), StatusCode::OK);
    assert_eq!(
        app.upload(&path, Some(&province), pdf("after"), "after.pdf", &[])
            .await
            .status(),
        StatusCode::CONFLICT
    );

    // Registrations: the district and the province.
    let registration = app
        .created(
            "/api/v1/registrations",
            &district,
            &json!({"unit_code": KY_LAC, "level": "commune", "target_year": 2022}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/registrations/{registration}/documents");
    for (token, status) in [
        (None, StatusCode::UNAUTHORIZED),
        (Some(&commune), StatusCode::FORBIDDEN),
        (Some(&other_province), StatusCode::FORBIDDEN),
        (Some(&district), StatusCode::CREATED),
    ] {
        let r = app
            .upload(
                &path,
                token.map(|t| t.as_str()),
                pdf("reg"),
                "dang-ky.pdf",
                &[],
            )
            .await;
        assert_eq!(r.status(), status, "{token:?}");
    }

    // Activities: the province and the agency's own users; the activity must be the
    // sponsorship's.
    let agency = app
        .agency(&province, "Sở Khoa học và Công nghệ Hà Tĩnh", "state")
        .await;
    let other_agency = app
        .agency(&province, "Hội Nông dân tỉnh", "mass_organisation")
        .await;
    let sponsorship = app.ky_lac_sponsorship(agency).await;
    let sponsor = app.sponsor(agency).await;
    let other_sponsor = app.sponsor(other_agency).await;
    let activity = app
        .created(&format!("/api/v1/sponsorships/{sponsorship}/activities"), &sponsor,
            &json!({"happened_on": "2021-05-01", "kind": "funding", "amount_vnd": 50000000, "description": "Hỗ trợ mô hình"}))
        .await["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/sponsorships/{sponsorship}/activities/{activity}/documents");
    let mut photo = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
    photo.extend(std::iter::repeat_n(7u8, 64));
    for (token, status) in [
        (None, StatusCode::UNAUTHORIZED),
        (Some(&other_sponsor), StatusCode::FORBIDDEN),
        (Some(&commune), StatusCode::FORBIDDEN),
        (Some(&sponsor), StatusCode::CREATED),
    ] {
        let r = app
            .upload(
                &path,
                token.map(|t| t.as_str()),
                photo.clone(),
                "cong-trinh.png",
                &[("kind", "photo")],
            )
            .await;
        assert_eq!(r.status(), status, "{token:?}");
    }
    let listed = app.get_ok(&path, None).await;
    assert_eq!(listed["items"][0]["media_type"], "image/png");
    assert_eq!(listed["items"][0]["parent"], "activity");
    let wrong = app
        .get(
            &format!(
                "/api/v1/sponsorships/{}/activities/{activity}/documents",
                sponsorship + 1000
            ),
            None,
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::NOT_FOUND);
}

/// The process dies after the bytes are kept and before the row commits: an orphan blob,
/// which `ntm-api storage check` lists and `--fix` deletes.
#[tokio::test]
async fn a_crash_between_the_bytes_and_the_row_leaves_an_orphan_that_storage_check_fixes() {
    let app = TestApp::spawn().await;
    let (id, commune) = draft(&app).await;
    let kept = pdf("kept");
    expect_json(
        app.upload(
            &documents_of(id),
            Some(&commune),
            kept.clone(),
            "kept.pdf",
            &[],
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let bin = env!("CARGO_BIN_EXE_ntm-api");
    let mut child = std::process::Command::new(bin)
        .env("DATABASE_URL", &app.database_url)
        .env("NTM_STORAGE_URL", app.storage_url())
        .env("NTM_BIND", format!("127.0.0.1:{port}"))
        .env("NTM_JWT_SECRET", crate::helpers::JWT_SECRET)
        .env("NTM_FAILPOINT", "document-after-bytes")
        .env("NTM_WORKERS", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start ntm-api");
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut ready = false;
    for _ in 0..200 {
        if client.get(format!("{base}/health")).send().await.is_ok() {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(ready, "the service did not start");
    let lost = pdf("lost");
    let died = client
        .post(format!("{base}{}", documents_of(id)))
        .bearer_auth(&commune)
        .multipart(document_form(lost.clone(), "lost.pdf", &[]))
        .send()
        .await;
    assert!(
        died.is_err(),
        "the failpoint should have killed the service: {died:?}"
    );
    let status = child.wait().expect("the service ended");
    assert!(!status.success());
    assert_eq!(count_rows(&app.db, "documents").await, 1);
    use sha2::Digest;
    let lost_blob = format!("blobs/{}", hex::encode(sha2::Sha256::digest(&lost)));
    let kept_blob = format!("blobs/{}", hex::encode(sha2::Sha256::digest(&kept)));
    let mut both = vec![kept_blob.clone(), lost_blob.clone()];
    both.sort();
    assert_eq!(app.stored_objects().await, both);

    let check = |args: &[&str]| {
        std::process::Command::new(bin)
            .arg("storage")
            .arg("check")
            .args(args)
            .env("DATABASE_URL", &app.database_url)
            .env("NTM_STORAGE_URL", app.storage_url())
            .output()
            .expect("run storage check")
    };
    let listed = check(&[]);
    let out = String::from_utf8_lossy(&listed.stdout).to_string();
    assert_eq!(listed.status.code(), Some(1), "{out}");
    assert!(out.contains(&format!("ORPHAN: {lost_blob}")), "{out}");
    assert!(
        out.contains("1 blob(s) held by documents, 0 missing, 1 orphan(s), 0 deleted"),
        "{out}"
    );
    // Young orphans may be uploads finishing: kept by default.
    let young = check(&["--fix"]);
    assert_eq!(young.status.code(), Some(1));
    assert_eq!(app.stored_objects().await, both);
    let fixed = check(&["--fix", "--min-age", "0"]);
    let out = String::from_utf8_lossy(&fixed.stdout).to_string();
    assert_eq!(fixed.status.code(), Some(0), "{out}");
    assert!(out.contains("1 orphan(s), 1 deleted"), "{out}");
    assert_eq!(app.stored_objects().await, vec![kept_blob]);
    // Bytes gone from under a row are reported as missing.
    ntm_api::services::documents::storage::install_tls();
    let storage = ntm_api::services::documents::Storage::open(&app.storage_url()).unwrap();
    storage
        .forget(&ntm_api::services::documents::Storage::blob(&hex::encode(
            sha2::Sha256::digest(&kept),
        )))
        .await
        .unwrap();
    let missing = check(&[]);
    let out = String::from_utf8_lossy(&missing.stdout).to_string();
    assert_eq!(missing.status.code(), Some(1), "{out}");
    assert!(out.contains("MISSING: document "), "{out}");
}
