//! Vietnamese for the texts of error answers (`Accept-Language: vi`).
//!
//! The service writes every problem `title`, `detail` and field `message` in English, all
//! over `src/`; English stays the source and the default. [`vi`] looks an English text up
//! in a catalogue of `(pattern, template)` pairs and gives its Vietnamese, or `None` when
//! the catalogue does not know it: the caller then keeps the English, so an unknown text
//! is never lost, only left untranslated.
//!
//! A pattern is a regular expression anchored `^…$`; the values it captures (codes, ids,
//! names, dates, numbers, field names, lists of allowed values in backticks) pass into the
//! template unchanged, by name (`$code`, `${code}`, as in `Regex::replace`). A few capture
//! names stand for English *fragments* the service composes sentences from, and are
//! translated before they are put in (see `fragment`): `level` (province, district,
//! commune, village), `role`, `status` (of an assessment), `vstatus` (of a criteria
//! version), `done` and `doing` (workflow verbs), `what` (the thing not found or changed),
//! `perm` (a permission), `action`, `who`, `clevel` (a recognition level), `since` and
//! `until` (open ends of a period), `unit` (of an indicator), serde's `unexp`, `exp` and
//! `alts`, `serde_json`'s `json`, and `msg` (a whole message, translated by [`vi`] itself).
//! A trailing digit tells two captures of one kind apart (`role`, `role2`). When a
//! fragment of such a closed set is not one the catalogue knows, the entry does not apply
//! and the next one is tried, so a sentence is not half translated; only the words of
//! libraries inside a message (serde's type names, a `serde_json` or actix cause) pass
//! through in English when unknown.
//!
//! Writing a new error text: add an entry to `ENTRIES` next to its neighbours (the first
//! matching entry wins, so put a specific pattern before a more general one), capture each
//! value the text carries with a named group, and add a real example with its expected
//! Vietnamese to `EXAMPLES` in the tests, which check that every entry is reached by an
//! example. A new fragment (a new status, role, action…) goes into its helper below.
//! Vietnamese follows the English casing: titles capitalised, details and field messages
//! in lower case; technical tokens (`If-Match`, `ETag`, `Idempotency-Key`, JSON, UTF-8,
//! field names, codes) stay as they are.

use std::sync::LazyLock;

use regex::{Captures, Regex};

/// The Vietnamese of an English problem title, detail or field message the service writes,
/// when it is one the catalogue knows; `None` otherwise (the caller keeps the English).
pub fn vi(english: &str) -> Option<String> {
    CATALOGUE.iter().find_map(|(pattern, template)| {
        let captures = pattern.captures(english)?;
        render(pattern, &captures, template)
    })
}

/// The compiled catalogue, in the order of [`ENTRIES`].
static CATALOGUE: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    ENTRIES
        .iter()
        .map(|&(pattern, template)| {
            let regex = Regex::new(pattern)
                .unwrap_or_else(|e| panic!("i18n pattern {pattern:?} does not compile: {e}"));
            (regex, template)
        })
        .collect()
});

/// `(English pattern, Vietnamese template)`, the first match wins.
const ENTRIES: &[(&str, &str)] = &[
    // Problem titles (`ApiError::slug_and_title`).
    (r"^The request could not be read$", "Không đọc được yêu cầu"),
    (r"^Authentication is required$", "Cần đăng nhập"),
    (
        r"^This is outside your role or scope$",
        "Việc này nằm ngoài vai trò hoặc phạm vi của bạn",
    ),
    (r"^Not found$", "Không tìm thấy"),
    (
        r"^This path does not offer this method$",
        "Đường dẫn này không hỗ trợ phương thức này",
    ),
    (
        r"^The request conflicts with current data$",
        "Yêu cầu xung đột với dữ liệu hiện tại",
    ),
    (
        r"^The resource changed since you read it$",
        "Dữ liệu đã thay đổi kể từ khi bạn đọc",
    ),
    (r"^The request body is too large$", "Nội dung yêu cầu quá lớn"),
    (
        r"^The request body is not of a type this endpoint takes$",
        "Kiểu nội dung của yêu cầu không được chấp nhận ở đây",
    ),
    (
        r"^The requested range is outside the content$",
        "Khoảng byte yêu cầu nằm ngoài nội dung",
    ),
    (r"^The request has invalid fields$", "Yêu cầu có trường không hợp lệ"),
    (r"^The request cannot be carried out$", "Không thể thực hiện yêu cầu"),
    (r"^Too many requests$", "Quá nhiều yêu cầu"),
    (
        r"^The service cannot reach its database right now$",
        "Dịch vụ hiện không kết nối được với cơ sở dữ liệu",
    ),
    (r"^Internal server error$", "Lỗi máy chủ nội bộ"),
    // Details written by `ApiError` itself (error.rs).
    (r"^(?P<n>\d+) fields? (?:are|is) invalid$", "$n trường không hợp lệ"),
    (
        r"^An unexpected error occurred; it has been logged with this request's id\.$",
        "Đã xảy ra lỗi ngoài dự kiến; lỗi đã được ghi lại kèm mã của yêu cầu này.",
    ),
    (
        r"^the database did not answer; try again in a moment$",
        "cơ sở dữ liệu không phản hồi; vui lòng thử lại sau giây lát",
    ),
    (
        r"^a text contains a NUL character \(U\+0000\), which cannot be stored$",
        "một văn bản chứa ký tự NUL (U+0000), là ký tự không thể lưu trữ",
    ),
    (r"^1 to (?P<max>\d+) characters$", "từ 1 đến $max ký tự"),
    // Decoding input (decode.rs).
    (
        r"^contains a NUL character \(U\+0000\), which cannot be stored$",
        "chứa ký tự NUL (U+0000), là ký tự không thể lưu trữ",
    ),
    (
        r"^contains a lone UTF-16 surrogate \(such as \\ud800\), which is no character$",
        "chứa một nửa cặp thay thế UTF-16 đứng riêng (như \\ud800), không ứng với ký tự nào",
    ),
    (
        r"^is not UTF-8 text once percent-decoded$",
        "không phải văn bản UTF-8 sau khi giải mã phần trăm (percent-decoding)",
    ),
    (
        r"^the body is not valid JSON \(line (?P<line>\d+), column (?P<column>\d+)\): (?P<json>.*)$",
        "nội dung không phải JSON hợp lệ (dòng $line, cột $column): $json",
    ),
    // serde's messages about a JSON body, a query or a sync item.
    (r"^missing field `(?P<name>.*)`$", "thiếu trường `$name`"),
    (
        r"^unknown field `(?P<name>.*?)`, there are no fields$",
        "không có trường `$name`; ở đây không nhận trường nào",
    ),
    (
        r"^unknown field `(?P<name>.*?)`, expected (?P<alts>.+)$",
        "không có trường `$name`; cần $alts",
    ),
    (
        r"^unknown variant `(?P<name>.*?)`, there are no variants$",
        "giá trị `$name` không hợp lệ; không có giá trị nào được nhận",
    ),
    (
        r"^unknown variant `(?P<name>.*?)`, expected (?P<alts>.+)$",
        "giá trị `$name` không hợp lệ; cần $alts",
    ),
    (
        r"^invalid type: (?P<unexp>.+), expected (?P<exp>.+)$",
        "sai kiểu dữ liệu: nhận được $unexp, cần $exp",
    ),
    (
        r"^invalid value: (?P<unexp>.+), expected (?P<exp>.+)$",
        "giá trị không hợp lệ: nhận được $unexp, cần $exp",
    ),
    (
        r"^invalid length (?P<n>\d+), expected (?P<exp>.+)$",
        "độ dài không hợp lệ ($n), cần $exp",
    ),
    (r"^duplicate field `(?P<name>.*)`$", "trường `$name` xuất hiện hai lần"),
    (
        r"^data did not match any variant of untagged enum Value$",
        "giá trị phải là true, false hoặc một số",
    ),
    // Numbers and booleans of a query string (std's parse errors).
    (r"^invalid digit found in string$", "có ký tự không phải chữ số"),
    (
        r"^cannot parse integer from empty string$",
        "giá trị trống, cần một số nguyên",
    ),
    (
        r"^number too large to fit in target type$",
        "số quá lớn, vượt giới hạn cho phép",
    ),
    (
        r"^number too small to fit in target type$",
        "số quá nhỏ, vượt giới hạn cho phép",
    ),
    (r"^invalid float literal$", "không phải số hợp lệ"),
    (r"^cannot parse float from empty string$", "giá trị trống, cần một số"),
    (
        r"^provided string was not `true` or `false`$",
        "giá trị phải là `true` hoặc `false`",
    ),
    // Dates (chrono's parse errors; every date the service reads is `YYYY-MM-DD`).
    (
        r"^input contains invalid characters$",
        "chứa ký tự không hợp lệ (ngày viết dạng YYYY-MM-DD)",
    ),
    (
        r"^premature end of input$",
        "thiếu phần cuối (ngày viết dạng YYYY-MM-DD)",
    ),
    (r"^trailing input$", "thừa ký tự ở cuối (ngày viết dạng YYYY-MM-DD)"),
    (r"^input is out of range$", "ngày nằm ngoài phạm vi hợp lệ"),
    (r"^no possible date and time matching input$", "không có ngày nào như vậy"),
    (
        r"^input is not enough for unique date and time$",
        "không đủ thông tin để xác định ngày",
    ),
    // Extractors (extract.rs) and the path (startup.rs, api/mod.rs).
    (
        r"^send the body as JSON with `Content-Type: application/json`$",
        "hãy gửi nội dung dạng JSON với `Content-Type: application/json`",
    ),
    (
        r"^the request body could not be read: (?P<cause>.*)$",
        "không đọc được nội dung yêu cầu: $cause",
    ),
    (
        r"^the body is larger than (?P<n>\d+) KiB; split it into smaller batches$",
        "nội dung lớn hơn $n KiB; hãy chia thành các lô nhỏ hơn",
    ),
    (
        r"^the body is larger than (?P<n>\d+) (?P<size>[KMG]iB)$",
        "nội dung lớn hơn $n $size",
    ),
    (
        r"^is not readable text: send the ETag as read$",
        "không phải văn bản đọc được: hãy gửi ETag đúng như đã đọc",
    ),
    (
        r#"^must be `\*` or the ETag as read, e\.g\. "12-3" \(a list of them separated by commas\)$"#,
        r#"phải là `*` hoặc ETag đúng như đã đọc, ví dụ "12-3" (nhiều ETag thì cách nhau bằng dấu phẩy)"#,
    ),
    (
        r"^If-Match (?P<sent>.+?) does not match the current ETag (?P<current>\S+); read the resource again$",
        "If-Match $sent không khớp với ETag hiện tại $current; hãy đọc lại dữ liệu",
    ),
    (
        r"^(?P<path>/\S*) does not offer (?P<method>\S+); it offers (?P<allow>.+)$",
        "$path không hỗ trợ phương thức $method; chỉ hỗ trợ $allow",
    ),
    (
        r"^no such path: (?P<method>\S+) (?P<path>\S*); see /swagger-ui/ for what this API offers$",
        "không có đường dẫn $method $path; xem /swagger-ui/ để biết API này cung cấp những gì",
    ),
    (
        r#"^the path is not valid: Path deserialize error: can not parse "(?P<value>.*)" to a (?P<exp>\w+)$"#,
        "đường dẫn không hợp lệ: không đọc được \"$value\" thành $exp",
    ),
    (
        r"^the path is not valid: (?P<cause>.*)$",
        "đường dẫn không hợp lệ: $cause",
    ),
    // Authentication (auth/, services/sessions.rs, services/logins.rs, api/auth.rs).
    (
        r"^send an access token as `Authorization: Bearer <token>`$",
        "hãy gửi mã truy cập (access token) dạng `Authorization: Bearer <token>`",
    ),
    (
        r"^the Authorization header is not readable$",
        "không đọc được header Authorization",
    ),
    (
        r"^the Authorization header must be `Bearer <token>`$",
        "header Authorization phải có dạng `Bearer <token>`",
    ),
    (
        r"^the token's subject is not a user$",
        "chủ thể (sub) của mã truy cập không phải là người dùng",
    ),
    (
        r"^the token's user no longer exists$",
        "người dùng của mã này không còn tồn tại",
    ),
    (
        r"^this access token was issued before a logout or a password change; log in again$",
        "mã truy cập này được cấp trước lần đăng xuất hoặc đổi mật khẩu gần nhất; hãy đăng nhập lại",
    ),
    (
        r"^the access token has expired; refresh it$",
        "mã truy cập đã hết hạn; hãy làm mới mã",
    ),
    (
        r"^the access token's signature is not valid$",
        "chữ ký của mã truy cập không hợp lệ",
    ),
    (
        r"^the access token's algorithm is not accepted$",
        "thuật toán của mã truy cập không được chấp nhận",
    ),
    (
        r"^the access token was not issued for this API$",
        "mã truy cập không được cấp cho API này",
    ),
    (r"^the access token is not valid$", "mã truy cập không hợp lệ"),
    (
        r"^unknown refresh token$",
        "không nhận ra mã làm mới (refresh token)",
    ),
    (
        r"^this refresh token was already used or revoked$",
        "mã làm mới này đã được dùng hoặc đã bị thu hồi",
    ),
    (
        r"^the refresh token has expired; log in again$",
        "mã làm mới đã hết hạn; hãy đăng nhập lại",
    ),
    (
        r"^this refresh token was already used$",
        "mã làm mới này đã được dùng",
    ),
    (r"^is required$", "là bắt buộc"),
    (
        r"^wrong username or password$",
        "sai tên đăng nhập hoặc mật khẩu",
    ),
    (
        r"^too many failed logins for (?P<who>.+); try again in (?P<wait>\d+) s$",
        "đăng nhập sai quá nhiều lần với $who; hãy thử lại sau $wait giây",
    ),
    // Idempotency keys (idempotency.rs).
    (
        r"^1 to (?P<max>\d+) visible ASCII characters$",
        "từ 1 đến $max ký tự ASCII in được",
    ),
    (
        r"^the first request with this Idempotency-Key was not kept; retry$",
        "yêu cầu đầu tiên với Idempotency-Key này không được lưu lại; hãy gửi lại",
    ),
    (
        r"^this key was used for a different request; use a new key$",
        "khóa này đã được dùng cho một yêu cầu khác; hãy dùng khóa mới",
    ),
    (
        r"^the first request with this Idempotency-Key is still being answered; retry shortly$",
        "yêu cầu đầu tiên với Idempotency-Key này vẫn đang được xử lý; hãy thử lại sau giây lát",
    ),
    (
        r"^the first request with this Idempotency-Key was answered (?P<http>\d{3}) but its answer \((?P<n>\d+) KiB\) was too large to keep; it was not run again: read the result instead$",
        "yêu cầu đầu tiên với Idempotency-Key này đã được trả lời với mã $http nhưng câu trả lời ($n KiB) quá lớn để lưu lại; yêu cầu không được chạy lại: hãy đọc kết quả",
    ),
    // Bounds (pagination.rs, api/changes.rs, api/reports.rs, domain/criteria.rs, …).
    (
        r"^must be between (?P<min>-?\d+) and (?P<max>-?\d+)$",
        "phải từ $min đến $max",
    ),
    (r"^must be (?P<min>-?\d+) or more$", "phải từ $min trở lên"),
    (
        r"^must be from `from` to (?P<n>\d+) years after it$",
        "phải từ `from` đến $n năm sau đó",
    ),
    (
        r"^send 1 to (?P<max>\d+) items per batch$",
        "mỗi lô gửi từ 1 đến $max mục",
    ),
    (r"^the database does not answer$", "cơ sở dữ liệu không phản hồi"),
    (
        r"^the database did not answer within (?P<n>\d+) s$",
        "cơ sở dữ liệu không phản hồi trong vòng $n giây",
    ),
    // Access (access.rs): roles, scopes, and the actions refused.
    (
        r"^the (?P<role>\w+) role may not do this \((?P<perm>\w+)\)$",
        "vai trò $role không được làm việc này ($perm)",
    ),
    (
        r"^the (?P<role>\w+) role may not create or grant (?P<role2>\w+) users$",
        "vai trò $role không được tạo hoặc cấp quyền cho người dùng vai trò $role2",
    ),
    (
        r"^the (?P<role>\w+) role may not (?P<action>.+)$",
        "vai trò $role không được $action",
    ),
    (
        r"^this is outside your scope \((?P<role>\w+) (?P<scope>.+)\)$",
        "việc này nằm ngoài phạm vi của bạn ($role, phạm vi $scope)",
    ),
    (
        r"^the change feed is for admins, viewers and province officers \(sync accounts\)$",
        "nguồn thay đổi (change feed) chỉ dành cho quản trị viên, người xem và cán bộ tỉnh (tài khoản đồng bộ)",
    ),
    (
        r"^the audit trail is read by admins and province officers$",
        "nhật ký kiểm tra (audit) chỉ dành cho quản trị viên và cán bộ tỉnh",
    ),
    (
        r"^must be after `from`$",
        "phải sau `from`",
    ),
    (
        r"^(?P<count>\d+) entries match; a CSV holds at most (?P<max>\d+): narrow the time range \(from, to\)$",
        "có $count mục khớp; một tệp CSV chứa tối đa $max mục: hãy thu hẹp khoảng thời gian (from, to)",
    ),
    (
        r"^invalid date `(?P<value>.*)`: expected YYYY-MM-DD \(RFC 3339\)$",
        "ngày `$value` không hợp lệ: cần dạng YYYY-MM-DD (RFC 3339)",
    ),
    (
        r"^invalid date-time `(?P<value>.*)`: expected RFC 3339, e\.g\. 2026-12-01T08:30:00Z$",
        "thời điểm `$value` không hợp lệ: cần dạng RFC 3339, ví dụ 2026-12-01T08:30:00Z",
    ),
    (
        r"^only admins and province officers list users$",
        "chỉ quản trị viên và cán bộ tỉnh được xem danh sách người dùng",
    ),
    (
        r"^agency (?P<id>-?\d+) belongs to province (?P<province>.+); a sponsorship needs a national agency or one of your province$",
        "đơn vị đỡ đầu $id thuộc tỉnh $province; thỏa thuận đỡ đầu cần một đơn vị đỡ đầu cấp trung ương hoặc thuộc tỉnh của bạn",
    ),
    (
        r"^a (?P<status>\w+) assessment does not wait on the (?P<role>\w+) level's decision; only that level returns it$",
        "đánh giá ở trạng thái $status không chờ quyết định của $role; chỉ cấp mà đánh giá đang chờ quyết định được trả lại đánh giá",
    ),
    (
        r"^the code (?P<code>.+) belongs to units of province (?P<owner>.+); only an admin may give it to another province$",
        "mã $code thuộc các đơn vị của tỉnh $owner; chỉ quản trị viên được chuyển mã này sang tỉnh khác",
    ),
    (
        r"^you may not change your own role or scope$",
        "bạn không được tự thay đổi vai trò hoặc phạm vi của mình",
    ),
    // Users (api/users.rs, services/users.rs).
    (
        r"^is required to change your own password$",
        "là bắt buộc khi đổi mật khẩu của chính bạn",
    ),
    (r"^the current password is wrong$", "mật khẩu hiện tại không đúng"),
    (
        r"^you cannot delete your own account$",
        "bạn không thể xóa tài khoản của chính mình",
    ),
    (r"^this username is taken$", "tên đăng nhập này đã có người dùng"),
    (
        r"^3 to 64 lower-case letters, digits, '\.', '_' or '-'$",
        "từ 3 đến 64 ký tự gồm chữ thường, chữ số, '.', '_' hoặc '-'",
    ),
    (
        r"^must be (?P<min>\d+) to (?P<max>\d+) characters long$",
        "phải dài từ $min đến $max ký tự",
    ),
    (r"^the (?P<role>\w+) role has no scope$", "vai trò $role không có phạm vi"),
    (
        r"^a sponsor's scope is its agency id \(a positive integer\)$",
        "phạm vi của người dùng đơn vị đỡ đầu là id của đơn vị đỡ đầu (một số nguyên dương)",
    ),
    (
        r"^the (?P<role>\w+) role needs the code of its (?P<level>\w+)$",
        "vai trò $role cần mã $level của mình",
    ),
    // Things that do not exist, or changed meanwhile.
    (
        r"^no (?P<what>agency|criteria set|criteria version) has the id (?P<id>.+)$",
        "không có $what nào có id $id",
    ),
    (
        r"^no (?P<level>\w+) has the code (?P<code>.*)$",
        "không có $level nào có mã $code",
    ),
    (
        r"^no (?P<level>\w+) with the code (?P<code>.*) was valid on (?P<date>\S+)$",
        "không có $level nào có mã $code còn hiệu lực vào ngày $date",
    ),
    (
        r"^no (?P<level>\w+) (?P<code>.*) was valid on (?P<date>\S+)$",
        "$level $code không có hiệu lực vào ngày $date",
    ),
    (
        r"^no (?P<level>\w+) (?P<code>.*) existed on (?P<date>\S+)$",
        "$level $code không tồn tại vào ngày $date",
    ),
    (
        r"^no (?P<level>\w+) (?P<code>.*) existed at the start of (?P<year>-?\d+)$",
        "$level $code không tồn tại vào đầu năm $year",
    ),
    (r"^(?P<what>.+) was not found$", "không tìm thấy $what"),
    (
        r"^the assessment changed since you read it; read it again$",
        "đánh giá đã thay đổi kể từ khi bạn đọc; hãy đọc lại",
    ),
    (
        r"^the (?P<what>.+) changed since you read it$",
        "$what đã thay đổi kể từ khi bạn đọc",
    ),
    // Assessments (services/assessments/, domain/assessment.rs).
    (
        r"^this criteria version is a draft; assess against a published one$",
        "phiên bản bộ tiêu chí này là bản nháp; hãy đánh giá theo một phiên bản đã ban hành",
    ),
    (
        r"^criteria version (?P<id>-?\d+) is in force from (?P<from>\S+) to (?P<until>\S+)$",
        "phiên bản bộ tiêu chí $id có hiệu lực từ $from đến $until",
    ),
    (
        r"^this criteria set belongs to province (?P<province>.+)$",
        "bộ tiêu chí này thuộc tỉnh $province",
    ),
    (
        r"^this unit already has an assessment of this kind against this version on this date$",
        "đơn vị này đã có một đánh giá cùng loại theo phiên bản này vào ngày này",
    ),
    (r"^sent twice$", "bị gửi hai lần"),
    (
        r"^indicator (?P<code>.+) is not in this criteria version$",
        "chỉ tiêu $code không có trong phiên bản bộ tiêu chí này",
    ),
    (
        r"^indicator (?P<code>.+) is yes/no: send true or false$",
        "chỉ tiêu $code thuộc dạng có/không: hãy gửi true hoặc false",
    ),
    (
        r"^indicator (?P<code>.+) is numeric \((?P<unit>.*)\): send a number$",
        "chỉ tiêu $code thuộc dạng số ($unit): hãy gửi một số",
    ),
    (
        r"^criterion (?P<code>.+) is not in this criteria version$",
        "tiêu chí $code không có trong phiên bản bộ tiêu chí này",
    ),
    (r"^contradicts result$", "mâu thuẫn với trường result"),
    (
        r"^a decision needs a note saying what it rests on$",
        "quyết định cần có ghi chú nêu rõ căn cứ",
    ),
    (
        r"^the assessment is (?P<status>\w+) now$",
        "đánh giá hiện đã ở trạng thái $status",
    ),
    (
        r"^the assessment is (?P<status>\w+): (?P<doing>\w+) needs it to be (?P<status2>\w+)$",
        "đánh giá đang ở trạng thái $status: muốn $doing thì đánh giá phải ở trạng thái $status2",
    ),
    (
        r"^returning an assessment needs a reason$",
        "trả lại đánh giá cần nêu lý do",
    ),
    (
        r"^an assessment that is (?P<status>\w+) cannot be (?P<done>\w+)$",
        "đánh giá ở trạng thái $status thì không thể $done",
    ),
    // Designations of communes (services/designations.rs).
    (
        r"^designation (?P<id>\d+) already marks commune (?P<code>\S+) from (?P<from>\S+) to (?P<to>\S+): withdraw it first$",
        "xã $code đã được đánh dấu (đánh dấu $id) từ ngày $from đến ngày $to: hãy rút đánh dấu đó trước",
    ),
    (
        r"^designation (?P<id>\d+) already marks commune (?P<code>\S+) from (?P<from>\S+): withdraw it first$",
        "xã $code đã được đánh dấu (đánh dấu $id) từ ngày $from: hãy rút đánh dấu đó trước",
    ),
    // Criteria spreadsheets (services/criteria/csv.rs, extract.rs).
    (
        r"^send the spreadsheet as CSV with `Content-Type: text/csv`$",
        "hãy gửi bảng tính dạng CSV với `Content-Type: text/csv`",
    ),
    (
        r#"^the file is not UTF-8 text: in Excel, save it as "CSV UTF-8"$"#,
        r#"tệp không phải văn bản UTF-8: trong Excel, hãy lưu dưới dạng "CSV UTF-8""#,
    ),
    (
        r"^the file is empty: its first line must name the columns, (?P<cols>\S+)$",
        "tệp trống: dòng đầu phải ghi tên các cột, $cols",
    ),
    (
        r"^the file cannot be read: (?P<cause>.+)$",
        "không đọc được tệp: $cause",
    ),
    (r"^the column (?P<col>\w+) is there twice$", "cột $col xuất hiện hai lần"),
    (
        r#"^unknown column "(?P<cell>.*)"; the columns are (?P<cols>\S+)$"#,
        r#"không có cột "$cell"; các cột là $cols"#,
    ),
    (r"^the column (?P<col>\w+) is missing$", "thiếu cột $col"),
    (
        r"^a cell outside the named columns has text: give its column a name of the header or empty it$",
        "một ô nằm ngoài các cột có tên lại có nội dung: hãy đặt tên cột đó theo dòng tiêu đề hoặc xóa ô",
    ),
    (
        r#"^required: the code of the criterion, e.g. "5"$"#,
        r#"bắt buộc: mã tiêu chí, ví dụ "5""#,
    ),
    (
        r#"^required when (?P<col>\w+) is given: the code of the indicator, e.g. "5.1"$"#,
        r#"bắt buộc khi có $col: mã chỉ tiêu, ví dụ "5.1""#,
    ),
    (
        r"^criterion (?P<code>\S+) appears again on line (?P<line>\d+) \(its rows begin on line (?P<first>\d+)\): keep its rows together$",
        "tiêu chí $code xuất hiện lại ở dòng $line (các dòng của nó bắt đầu từ dòng $first): hãy để các dòng của nó liền nhau",
    ),
    (
        r"^indicator (?P<code>\S+) appears again on line (?P<line>\d+) \(its rows begin on line (?P<first>\d+)\): keep its rows together$",
        "chỉ tiêu $code xuất hiện lại ở dòng $line (các dòng của nó bắt đầu từ dòng $first): hãy để các dòng của nó liền nhau",
    ),
    (
        r"^differs from line (?P<first>\d+): every row of criterion (?P<code>\S+) must have the same (?P<col>\w+)$",
        "khác với dòng $first: mọi dòng của tiêu chí $code phải có cùng $col",
    ),
    (
        r"^differs from line (?P<first>\d+): every row of indicator (?P<code>\S+) must have the same (?P<col>\w+)$",
        "khác với dòng $first: mọi dòng của chỉ tiêu $code phải có cùng $col",
    ),
    (
        r"^a boolean indicator has no thresholds: leave region, commune_group, year and value empty$",
        "chỉ tiêu đạt/không đạt không có ngưỡng: hãy để trống region, commune_group, year và value",
    ),
    (
        r"^required when region, commune_group or year is given: the threshold$",
        "bắt buộc khi có region, commune_group hoặc year: giá trị ngưỡng",
    ),
    (r"^required: a whole number$", "bắt buộc: một số nguyên"),
    (
        r#"^"(?P<cell>.*)" is not a whole number$"#,
        r#""$cell" không phải số nguyên"#,
    ),
    (
        r#"^"(?P<cell>.*)" is not a number, e.g. (?P<ex1>.+) or (?P<ex2>\S+)$"#,
        r#""$cell" không phải là số, ví dụ $ex1 hoặc $ex2"#,
    ),
    (
        r#"^"(?P<cell>.*)" is not one of true, false, yes, no, 1, 0, x or empty$"#,
        r#""$cell" không thuộc các giá trị true, false, yes, no, 1, 0, x hoặc để trống"#,
    ),
    (r"^required: one of (?P<names>.+)$", "bắt buộc: một trong $names"),
    (
        r#"^"(?P<cell>.*)" is not one of (?P<names>.+)$"#,
        r#""$cell" không thuộc $names"#,
    ),
    // Criteria sets and versions (services/criteria/, domain/criteria.rs).
    (
        r"^2 to 64 upper-case letters, digits or '-'$",
        "từ 2 đến 64 ký tự gồm chữ in hoa, chữ số hoặc '-'",
    ),
    (
        r"^`national` or the code of a current province$",
        "`national` hoặc mã của một tỉnh hiện hành",
    ),
    (
        r"^a criteria set with this code exists$",
        "đã có bộ tiêu chí với mã này",
    ),
    (r"^must be after (?P<field>\w+)$", "phải sau $field"),
    (r"^must not be after (?P<field>\w+)$", "không được sau $field"),
    (r"^must not be before (?P<field>\w+)$", "không được trước $field"),
    (
        r"^a version needs at least one criterion$",
        "phiên bản cần có ít nhất một tiêu chí",
    ),
    (
        r"^a version cannot revise itself$",
        "phiên bản không thể sửa đổi chính nó",
    ),
    (
        r"^the revised version belongs to another set$",
        "phiên bản được sửa đổi thuộc một bộ tiêu chí khác",
    ),
    (
        r"^this set already has a version with this label$",
        "bộ tiêu chí này đã có phiên bản với nhãn này",
    ),
    (
        r"^criteria version (?P<id>-?\d+) is (?P<vstatus>\w+): published versions are immutable; make a revision instead$",
        "phiên bản bộ tiêu chí $id ở trạng thái $vstatus: phiên bản đã ban hành thì không sửa được; hãy tạo bản sửa đổi",
    ),
    (
        r"^a version cannot move to another set$",
        "phiên bản không thể chuyển sang bộ tiêu chí khác",
    ),
    (
        r"^other versions revise this draft$",
        "có phiên bản khác đang sửa đổi bản nháp này",
    ),
    (
        r"^the version was published or deleted meanwhile$",
        "phiên bản vừa được ban hành hoặc bị xóa trong lúc đó",
    ),
    (
        r"^the revised version (?P<id>-?\d+) is still a draft; publish it first$",
        "phiên bản được sửa đổi $id vẫn là bản nháp; hãy ban hành phiên bản đó trước",
    ),
    (
        r"^a revision takes effect after the version it revises \((?P<date>[^)]*)\)$",
        "bản sửa đổi phải có hiệu lực sau phiên bản mà nó sửa đổi ($date)",
    ),
    (
        r"^a draft cannot be revised; edit it instead$",
        "không thể sửa đổi một bản nháp; hãy chỉnh sửa trực tiếp bản nháp",
    ),
    (
        r"^criterion number (?P<n>-?\d+) is used twice$",
        "số thứ tự tiêu chí $n bị dùng hai lần",
    ),
    (
        r"^criterion code (?P<code>.+) is used twice$",
        "mã tiêu chí $code bị dùng hai lần",
    ),
    (
        r"^a criterion needs at least one indicator$",
        "tiêu chí cần có ít nhất một chỉ tiêu",
    ),
    (
        r"^indicator code (?P<code>.+) is used twice in this version$",
        "mã chỉ tiêu $code bị dùng hai lần trong phiên bản này",
    ),
    (
        r"^a boolean indicator has no thresholds$",
        "chỉ tiêu dạng có/không thì không có ngưỡng",
    ),
    (r"^must be a finite number$", "phải là một số hữu hạn"),
    (r"^must be 1, 2 or 3$", "phải là 1, 2 hoặc 3"),
    (
        r"^another threshold has the same region, commune group and year$",
        "đã có ngưỡng khác cùng vùng, nhóm xã và năm",
    ),
    (
        r#"^1 to 16 letters, digits or dots, e\.g\. "15\.1"$"#,
        "từ 1 đến 16 ký tự gồm chữ cái, chữ số hoặc dấu chấm, ví dụ \"15.1\"",
    ),
    // Recognitions and registrations (services/recognitions/).
    (
        r"^assessment (?P<id>-?\d+) is about unit (?P<code>.+)$",
        "đánh giá $id là của đơn vị $code",
    ),
    (
        r"^assessment (?P<id>-?\d+) measures the level (?P<clevel>\w+)$",
        "đánh giá $id được lập cho mức $clevel",
    ),
    (
        r"^a decision cannot precede the assessment it rests on$",
        "quyết định không thể có trước ngày của đánh giá làm căn cứ",
    ),
    (
        r"^the assessment is (?P<status>\w+); only an appraised assessment can be recognised$",
        "đánh giá đang ở trạng thái $status; chỉ có thể công nhận đánh giá đã thẩm định",
    ),
    (r"^criteria not met: (?P<codes>.+)$", "các tiêu chí chưa đạt: $codes"),
    (
        r"^a revocation cannot precede the recognition$",
        "quyết định thu hồi không thể có trước quyết định công nhận",
    ),
    (
        r"^this recognition is already revoked$",
        "quyết định công nhận này đã bị thu hồi",
    ),
    (r"^at most (?P<max>\d+) characters$", "tối đa $max ký tự"),
    (
        r"^this unit is already registered for this level and year$",
        "đơn vị này đã đăng ký mức này cho năm này",
    ),
    // Agencies, sponsorships and activities (services/sponsorships/).
    (
        r"^the agency still has (?P<n>\d+) sponsorships$",
        "đơn vị đỡ đầu vẫn còn $n thỏa thuận đỡ đầu",
    ),
    (
        r"^commune (?P<code>.+) ended on (?P<date>\S+); end the sponsorship by then$",
        "xã $code đã chấm dứt vào ngày $date; hãy kết thúc việc đỡ đầu chậm nhất vào ngày đó",
    ),
    (
        r"^this agency already sponsors this commune from this date$",
        "đơn vị đỡ đầu này đã đỡ đầu xã này từ ngày này",
    ),
    (
        r"^activities are recorded after that date$",
        "đã có hoạt động được ghi nhận sau ngày đó",
    ),
    (
        r"^must be within the sponsorship, (?P<from>\S+) to (?P<to>\S+)$",
        "phải nằm trong thời gian đỡ đầu, từ $from đến $to",
    ),
    (r"^must not be negative$", "không được là số âm"),
    (
        r"^at most (?P<max>\d+) VND for one activity$",
        "tối đa $max VND cho một hoạt động",
    ),
    (
        r"^a funding activity needs its amount in VND$",
        "hoạt động hỗ trợ kinh phí cần ghi số tiền (VND)",
    ),
    (r"^say what was given$", "hãy ghi rõ đã hỗ trợ những gì"),
    // Administrative units (services/units/, services/sync/unit_items.rs).
    (
        r"^only villages name their commune$",
        "chỉ thôn được ghi xã trực thuộc",
    ),
    (
        r"^1 to (?P<max>\d+) characters, without leading or trailing spaces$",
        "từ 1 đến $max ký tự, không có khoảng trắng ở đầu hoặc cuối",
    ),
    (
        r"^a (?P<level>\w+) is one of: (?P<types>.+)$",
        "đơn vị cấp $level phải thuộc một trong các loại: $types",
    ),
    (
        r"^only communes have a commune group$",
        "nhóm xã chỉ áp dụng cho xã",
    ),
    (
        r#"^a (?P<level>\w+) code is (?P<n>\d+) digits, e\.g\. "(?P<example>[^"]*)"$"#,
        "mã $level gồm $n chữ số, ví dụ \"$example\"",
    ),
    (
        r"^a (?P<level>\w+) code is 1 to (?P<max>\d+) letters, digits, '\.', '-' or '_'$",
        "mã $level gồm từ 1 đến $max ký tự: chữ cái, chữ số, '.', '-' hoặc '_'",
    ),
    (
        r"^a province needs its socio-economic region$",
        "tỉnh cần có vùng kinh tế - xã hội",
    ),
    (r"^a province has no parent$", "tỉnh không có đơn vị cấp trên"),
    (
        r"^taken from the province; set it on the province$",
        "giá trị này lấy theo tỉnh; hãy đặt ở tỉnh",
    ),
    (
        r"^a district has no parent district$",
        "huyện không có huyện cấp trên",
    ),
    (
        r"^a village takes its province and district from its commune$",
        "thôn lấy tỉnh và huyện theo xã của mình",
    ),
    (r"^a (?P<level>\w+) needs its province$", "$level cần ghi rõ tỉnh"),
    (
        r"^district (?P<district>.+) is not in province (?P<province>.+)$",
        "huyện $district không thuộc tỉnh $province",
    ),
    (
        r"^(?P<level>\w+) (?P<code>.+) already has a version valid from (?P<since>.+) to (?P<until>.+); give this one a period that does not overlap$",
        "$level $code đã có một phiên bản hiệu lực từ $since đến $until; hãy đặt cho phiên bản này thời kỳ không chồng lấn",
    ),
    (
        r"^a version of this code with this valid_from exists$",
        "đã có phiên bản của mã này với valid_from này",
    ),
    (
        r"^the new period overlaps another version of this code$",
        "thời kỳ mới chồng lấn một phiên bản khác của mã này",
    ),
    (
        r"^this unit cannot be deleted while (?P<n>\d+) lower-level units belong to it$",
        "không thể xóa đơn vị này vì còn $n đơn vị cấp dưới trực thuộc",
    ),
    (
        r"^this unit cannot be deleted while (?P<n>\d+) assessments are about it$",
        "không thể xóa đơn vị này vì còn $n đánh giá của đơn vị",
    ),
    (
        r"^this unit cannot be deleted while (?P<n>\d+) recognition decisions are about it$",
        "không thể xóa đơn vị này vì còn $n quyết định công nhận của đơn vị",
    ),
    (
        r"^this unit cannot be deleted while (?P<n>\d+) registrations name it$",
        "không thể xóa đơn vị này vì còn $n đăng ký ghi tên đơn vị",
    ),
    (
        r"^this unit cannot be deleted while (?P<n>\d+) sponsorships name it$",
        "không thể xóa đơn vị này vì còn $n thỏa thuận đỡ đầu ghi tên đơn vị",
    ),
    (
        r"^this unit cannot be deleted while (?P<n>\d+) users have it as their scope$",
        "không thể xóa đơn vị này vì còn $n người dùng có phạm vi là đơn vị này",
    ),
    // Documents (dossiers): uploads and downloads.
    (
        r"^larger than the limit of (?P<n>\d+) bytes \(NTM_DOCUMENT_MAX_BYTES\)$",
        "lớn hơn giới hạn $n byte (NTM_DOCUMENT_MAX_BYTES)",
    ),
    (
        r"^the bytes are of no type this service recognises; accepted: (?P<list>.+)$",
        "không nhận ra kiểu của nội dung tệp; các kiểu được chấp nhận: $list",
    ),
    (
        r"^the bytes are (?P<t>[a-z0-9.+/-]+); accepted: (?P<list>.+)$",
        "nội dung tệp có kiểu $t; các kiểu được chấp nhận: $list",
    ),
    (
        r"^the form has no part named `file`$",
        "biểu mẫu không có phần tên `file`",
    ),
    (
        r"^the body must be multipart/form-data, with the file in a part named `file`$",
        "nội dung phải là multipart/form-data, với tệp trong phần tên `file`",
    ),
    (
        r#"^this file is already document (?P<id>\d+) of assessment (?P<p>\d+) \("(?P<title>.*)"\)$"#,
        "tệp này đã là tài liệu $id của hồ sơ đánh giá $p (\"$title\")",
    ),
    (
        r"^assessment (?P<id>\d+) is (?P<status>[a-z_]+): its documents are attached and removed while it is a draft \(or returned to draft\)$",
        "đánh giá $id đang ở trạng thái $status: chỉ thêm hoặc gỡ tài liệu khi đánh giá là bản nháp (hoặc đã bị trả lại)",
    ),
    // The detail of a validation problem with one field: `{field}: {message}`. Last, so
    // that a message holding ": " of its own is matched whole first.
    (r"^(?P<field>.+?): (?P<msg>.+)$", "$field: $msg"),
];

/// The template with each `$name` or `${name}` replaced by its capture, fragments
/// translated; `None` when a fragment is not one the catalogue knows.
fn render(pattern: &Regex, captures: &Captures, template: &str) -> Option<String> {
    let mut values = Vec::new();
    for name in pattern.capture_names().flatten() {
        let raw = captures.name(name).map_or("", |m| m.as_str());
        values.push((name, fragment(name, raw)?));
    }
    Some(expand(template, &values))
}

/// `Regex::replace`'s template syntax over already translated values: `$name` (the
/// longest run of ASCII letters, digits and `_`), `${name}`, `$$` for a dollar sign.
fn expand(template: &str, values: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        rest = &rest[at + 1..];
        if let Some(after) = rest.strip_prefix('$') {
            out.push('$');
            rest = after;
            continue;
        }
        let (name, after) = if let Some(braced) = rest.strip_prefix('{') {
            match braced.find('}') {
                Some(end) => (&braced[..end], &braced[end + 1..]),
                None => ("", rest),
            }
        } else {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            (&rest[..end], &rest[end..])
        };
        if name.is_empty() {
            out.push('$');
            continue;
        }
        if let Some((_, value)) = values.iter().find(|(n, _)| *n == name) {
            out.push_str(value);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// A captured value as it goes into the Vietnamese: an English fragment translated by the
/// kind its capture name says (the name without a trailing digit), any other value as is.
/// `None` when a fragment of a closed set is not one known here.
fn fragment(name: &str, raw: &str) -> Option<String> {
    let kind = name.trim_end_matches(|c: char| c.is_ascii_digit());
    let known = |v: Option<&str>| v.map(str::to_string);
    match kind {
        "level" => known(level(raw)),
        "role" => known(role(raw)),
        "status" => known(status(raw)),
        "vstatus" => known(version_status(raw)),
        "done" => known(done(raw)),
        "doing" => known(doing(raw)),
        "perm" => known(permission(raw)),
        "action" => known(action(raw)),
        "who" => known(who(raw)),
        "clevel" => known(criteria_level(raw)),
        "what" => thing(raw),
        "since" => Some(word_or_value(raw, "the start", "trước")),
        "until" => Some(word_or_value(raw, "now", "nay")),
        "unit" => Some(word_or_value(raw, "no unit", "không có đơn vị tính")),
        "unexp" => Some(unexpected(raw)),
        "exp" => Some(expected(raw)),
        "alts" => Some(alternatives(raw)),
        "json" => Some(json_syntax(raw)),
        "msg" => vi(raw),
        _ => Some(raw.to_string()),
    }
}

/// `vietnamese` for the English word the service writes in place of a value (an open end
/// of a period, a missing unit), the value itself otherwise.
fn word_or_value(raw: &str, english: &str, vietnamese: &str) -> String {
    if raw == english { vietnamese } else { raw }.to_string()
}

/// `Level::noun`.
fn level(s: &str) -> Option<&'static str> {
    Some(match s {
        "province" => "tỉnh",
        "district" => "huyện",
        "commune" => "xã",
        "village" => "thôn",
        _ => return None,
    })
}

/// `Role::as_str`, as the holder of the role.
fn role(s: &str) -> Option<&'static str> {
    Some(match s {
        "admin" => "quản trị viên",
        "viewer" => "người xem",
        "province" => "cán bộ tỉnh",
        "district" => "cán bộ huyện",
        "commune" => "cán bộ xã",
        "sponsor" => "đơn vị đỡ đầu",
        _ => return None,
    })
}

/// `Status::as_str` of an assessment, after "ở trạng thái".
fn status(s: &str) -> Option<&'static str> {
    Some(match s {
        "draft" => "nháp",
        "submitted" => "đã nộp",
        "reviewed" => "đã thẩm tra",
        "appraised" => "đã thẩm định",
        "recognized" => "đã công nhận",
        _ => return None,
    })
}

/// `VersionStatus::as_str` of a criteria version, after "ở trạng thái".
fn version_status(s: &str) -> Option<&'static str> {
    Some(match s {
        "draft" => "nháp",
        "published" => "đã ban hành",
        "superseded" => "đã được thay thế",
        _ => return None,
    })
}

/// `Action::past_participle`, as the verb of "không thể …".
fn done(s: &str) -> Option<&'static str> {
    Some(match s {
        "submitted" => "nộp",
        "reviewed" => "thẩm tra",
        "appraised" => "thẩm định",
        "returned" => "trả lại",
        "recognized" => "công nhận",
        _ => return None,
    })
}

/// What `ensure_status` is asked for.
fn doing(s: &str) -> Option<&'static str> {
    Some(match s {
        "editing" => "chỉnh sửa",
        "deleting" => "xóa",
        _ => return None,
    })
}

/// `Permission` as `{:?}` writes it.
fn permission(s: &str) -> Option<&'static str> {
    Some(match s {
        "ManageProvinces" => "quản lý tỉnh",
        "ManageUnits" => "quản lý huyện, xã, thôn",
        "ManageUsers" => "quản lý người dùng",
        "ManageCriteria" => "quản lý bộ tiêu chí",
        "AuthorSelfAssessment" => "lập bản tự đánh giá của xã",
        "AuthorDistrictReview" => "lập bản thẩm tra của huyện",
        "AuthorProvincialAppraisal" => "lập bản thẩm định của tỉnh",
        "ReviewAssessments" => "thẩm tra đánh giá",
        "AppraiseAssessments" => "thẩm định đánh giá",
        "ReturnAssessments" => "trả lại đánh giá",
        "Recognize" => "ra quyết định công nhận và thu hồi",
        "ManageRegistrations" => "quản lý đăng ký",
        "ManageSponsorships" => "quản lý đơn vị đỡ đầu và thỏa thuận đỡ đầu",
        "RecordActivities" => "ghi nhận hoạt động đỡ đầu",
        "SyncAssessments" => "đồng bộ đánh giá",
        _ => return None,
    })
}

/// The actions callers of `Caller::ensure_any_role` name.
fn action(s: &str) -> Option<&'static str> {
    Some(match s {
        "sync these items" => "đồng bộ các mục này",
        _ => return None,
    })
}

/// Whose failed logins are counted (services/logins.rs).
fn who(s: &str) -> Option<&'static str> {
    Some(match s {
        "this username" => "tên đăng nhập này",
        "your address" => "địa chỉ của bạn",
        _ => return None,
    })
}

/// `CriteriaLevel::as_str`, named and kept.
fn criteria_level(s: &str) -> Option<&'static str> {
    Some(match s {
        "commune" => "xã đạt chuẩn nông thôn mới (commune)",
        "commune_advanced" => "xã nông thôn mới nâng cao (commune_advanced)",
        "commune_model" => "xã nông thôn mới kiểu mẫu (commune_model)",
        "village_model" => "thôn kiểu mẫu (village_model)",
        "model_garden" => "vườn mẫu (model_garden)",
        "district" => "huyện nông thôn mới (district)",
        "district_advanced" => "huyện nông thôn mới nâng cao (district_advanced)",
        "province" => "tỉnh hoàn thành nhiệm vụ xây dựng nông thôn mới (province)",
        _ => return None,
    })
}

/// A thing not found or changed: `assessment 12`, `the version`, `the criteria version`…
fn thing(s: &str) -> Option<String> {
    let s = s.strip_prefix("the ").unwrap_or(s);
    if s == "assessment's criteria version" {
        return Some("phiên bản bộ tiêu chí của đánh giá".to_string());
    }
    let (noun, id) = match s.rsplit_once(' ') {
        Some((noun, id)) if id.parse::<i64>().is_ok() => (noun, Some(id)),
        _ => (s, None),
    };
    let noun = match noun {
        "assessment" => "đánh giá",
        "criteria version" => "phiên bản bộ tiêu chí",
        "criteria set" => "bộ tiêu chí",
        "version" => "phiên bản",
        "agency" => "đơn vị đỡ đầu",
        "sponsorship" => "thỏa thuận đỡ đầu",
        "user" => "người dùng",
        "registration" => "đăng ký",
        "designation" => "đánh dấu xã",
        "recognition" => "quyết định công nhận",
        "unit" => "đơn vị hành chính",
        _ => return None,
    };
    Some(match id {
        Some(id) => format!("{noun} {id}"),
        None => noun.to_string(),
    })
}

/// serde's `Unexpected` (what was sent), its value kept.
fn unexpected(s: &str) -> String {
    let prefixed = [
        ("string ", "chuỗi "),
        ("integer ", "số nguyên "),
        ("floating point ", "số thực "),
        ("boolean ", "giá trị "),
        ("character ", "ký tự "),
    ];
    for (english, vietnamese) in prefixed {
        if let Some(value) = s.strip_prefix(english) {
            return format!("{vietnamese}{value}");
        }
    }
    match s {
        "sequence" => "mảng",
        "map" => "đối tượng",
        "unit value" => "giá trị rỗng",
        "number" => "số",
        "byte array" => "mảng byte",
        other => other,
    }
    .to_string()
}

/// serde's `Expected` (what the field takes); unknown ones (type names) as they are.
fn expected(s: &str) -> String {
    match s {
        "i8" | "i16" | "i32" | "i64" | "i128" | "u8" | "u16" | "u32" | "u64" | "u128" | "isize"
        | "usize" => format!("số nguyên ({s})"),
        "f32" | "f64" => format!("số ({s})"),
        "a string" | "a borrowed string" => "chuỗi".to_string(),
        "a boolean" => "true hoặc false".to_string(),
        "a sequence" => "mảng".to_string(),
        "a map" => "đối tượng".to_string(),
        "a character" => "một ký tự".to_string(),
        "a formatted date string" => "ngày dạng YYYY-MM-DD".to_string(),
        "string or map" => "chuỗi hoặc đối tượng".to_string(),
        "unit" => "null".to_string(),
        _ if s.starts_with("struct ") => "đối tượng JSON".to_string(),
        other => other.to_string(),
    }
}

/// serde's list of allowed names: `` `a` ``, `` `a` or `b` ``, `` one of `a`, `b`, `c` ``.
fn alternatives(s: &str) -> String {
    if let Some(list) = s.strip_prefix("one of ") {
        return format!("một trong {list}");
    }
    match s.split_once("` or `") {
        Some((first, second)) => format!("{first}` hoặc `{second}"),
        None => s.to_string(),
    }
}

/// A `serde_json` syntax message, `… at line L column C`; unknown ones as they are.
fn json_syntax(s: &str) -> String {
    let (head, position) = match s.rsplit_once(" at line ") {
        Some((head, position)) => (head, position.split_once(" column ")),
        None => (s, None),
    };
    let head_vi = match head {
        "EOF while parsing a list" => "hết dữ liệu khi đang đọc một mảng",
        "EOF while parsing an object" => "hết dữ liệu khi đang đọc một đối tượng",
        "EOF while parsing a string" => "hết dữ liệu khi đang đọc một chuỗi",
        "EOF while parsing a value" => "hết dữ liệu khi đang đọc một giá trị",
        "expected `:`" => "cần dấu `:`",
        "expected `,` or `]`" => "cần dấu `,` hoặc `]`",
        "expected `,` or `}`" => "cần dấu `,` hoặc `}`",
        "expected ident" => "cần true, false hoặc null",
        "expected value" => "cần một giá trị",
        "expected `\"`" => "cần dấu `\"`",
        "invalid escape" => "chuỗi thoát (escape) không hợp lệ",
        "invalid number" => "số không hợp lệ",
        "number out of range" => "số vượt quá phạm vi",
        "invalid unicode code point" => "mã Unicode không hợp lệ",
        "control character (\\u0000-\\u001F) found while parsing a string" => {
            "có ký tự điều khiển (\\u0000-\\u001F) trong chuỗi"
        }
        "key must be a string" => "khóa phải là chuỗi",
        "lone leading surrogate in hex escape" => {
            "nửa đầu cặp thay thế UTF-16 đứng riêng trong chuỗi thoát"
        }
        "trailing comma" => "thừa dấu phẩy ở cuối",
        "trailing characters" => "thừa ký tự ở cuối",
        "unexpected end of hex escape" => "chuỗi thoát hex kết thúc sớm",
        "recursion limit exceeded" => "lồng nhau quá sâu",
        _ => return s.to_string(),
    };
    match position {
        Some((line, column)) => format!("{head_vi} tại dòng {line}, cột {column}"),
        None if head == s => head_vi.to_string(),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Real English texts (as the service writes them, with realistic values) and their
    /// expected Vietnamese. Every entry of the catalogue is reached by one of them.
    const EXAMPLES: &[(&str, &str)] = &[
        // Designations and criteria spreadsheets.
        (
            "designation 3 already marks commune 18850 from 2022-03-08 to 2025-12-31: withdraw it first",
            "xã 18850 đã được đánh dấu (đánh dấu 3) từ ngày 2022-03-08 đến ngày 2025-12-31: hãy rút đánh dấu đó trước",
        ),
        (
            "designation 3 already marks commune 18850 from 2022-03-08: withdraw it first",
            "xã 18850 đã được đánh dấu (đánh dấu 3) từ ngày 2022-03-08: hãy rút đánh dấu đó trước",
        ),
        ("designation 3 was not found", "không tìm thấy đánh dấu xã 3"),
        (
            "send the spreadsheet as CSV with `Content-Type: text/csv`",
            "hãy gửi bảng tính dạng CSV với `Content-Type: text/csv`",
        ),
        (
            "the file is not UTF-8 text: in Excel, save it as \"CSV UTF-8\"",
            "tệp không phải văn bản UTF-8: trong Excel, hãy lưu dưới dạng \"CSV UTF-8\"",
        ),
        (
            "the file is empty: its first line must name the columns, criterion_number,criterion_code",
            "tệp trống: dòng đầu phải ghi tên các cột, criterion_number,criterion_code",
        ),
        (
            "the file cannot be read: CSV error: record 2 (line: 3, byte: 40): found record with 3 fields",
            "không đọc được tệp: CSV error: record 2 (line: 3, byte: 40): found record with 3 fields",
        ),
        ("the column region is there twice", "cột region xuất hiện hai lần"),
        (
            "unknown column \"vùng\"; the columns are criterion_number,region",
            "không có cột \"vùng\"; các cột là criterion_number,region",
        ),
        ("the column indicator_kind is missing", "thiếu cột indicator_kind"),
        (
            "a cell outside the named columns has text: give its column a name of the header or empty it",
            "một ô nằm ngoài các cột có tên lại có nội dung: hãy đặt tên cột đó theo dòng tiêu đề hoặc xóa ô",
        ),
        (
            "required: the code of the criterion, e.g. \"5\"",
            "bắt buộc: mã tiêu chí, ví dụ \"5\"",
        ),
        (
            "required when indicator_name is given: the code of the indicator, e.g. \"5.1\"",
            "bắt buộc khi có indicator_name: mã chỉ tiêu, ví dụ \"5.1\"",
        ),
        (
            "criterion 3 appears again on line 12 (its rows begin on line 4): keep its rows together",
            "tiêu chí 3 xuất hiện lại ở dòng 12 (các dòng của nó bắt đầu từ dòng 4): hãy để các dòng của nó liền nhau",
        ),
        (
            "indicator 3.1 appears again on line 12 (its rows begin on line 4): keep its rows together",
            "chỉ tiêu 3.1 xuất hiện lại ở dòng 12 (các dòng của nó bắt đầu từ dòng 4): hãy để các dòng của nó liền nhau",
        ),
        (
            "differs from line 4: every row of criterion 10 must have the same criterion_name",
            "khác với dòng 4: mọi dòng của tiêu chí 10 phải có cùng criterion_name",
        ),
        (
            "differs from line 4: every row of indicator 10 must have the same indicator_unit",
            "khác với dòng 4: mọi dòng của chỉ tiêu 10 phải có cùng indicator_unit",
        ),
        (
            "a boolean indicator has no thresholds: leave region, commune_group, year and value empty",
            "chỉ tiêu đạt/không đạt không có ngưỡng: hãy để trống region, commune_group, year và value",
        ),
        (
            "required when region, commune_group or year is given: the threshold",
            "bắt buộc khi có region, commune_group hoặc year: giá trị ngưỡng",
        ),
        ("required: a whole number", "bắt buộc: một số nguyên"),
        ("\"2020a\" is not a whole number", "\"2020a\" không phải số nguyên"),
        (
            "\"bốn lăm\" is not a number, e.g. 45 or 24.5",
            "\"bốn lăm\" không phải là số, ví dụ 45 hoặc 24.5",
        ),
        (
            "\"x\" is not a number, e.g. 45, 24.5 or 24,5",
            "\"x\" không phải là số, ví dụ 45, 24.5 hoặc 24,5",
        ),
        (
            "\"có\" is not one of true, false, yes, no, 1, 0, x or empty",
            "\"có\" không thuộc các giá trị true, false, yes, no, 1, 0, x hoặc để trống",
        ),
        (
            "required: one of boolean, min, max",
            "bắt buộc: một trong boolean, min, max",
        ),
        (
            "\"mars\" is not one of northern_midlands_mountains, red_river_delta",
            "\"mars\" không thuộc northern_midlands_mountains, red_river_delta",
        ),
        // Titles.
        ("The request could not be read", "Không đọc được yêu cầu"),
        ("Authentication is required", "Cần đăng nhập"),
        (
            "This is outside your role or scope",
            "Việc này nằm ngoài vai trò hoặc phạm vi của bạn",
        ),
        ("Not found", "Không tìm thấy"),
        (
            "This path does not offer this method",
            "Đường dẫn này không hỗ trợ phương thức này",
        ),
        (
            "The request conflicts with current data",
            "Yêu cầu xung đột với dữ liệu hiện tại",
        ),
        (
            "The resource changed since you read it",
            "Dữ liệu đã thay đổi kể từ khi bạn đọc",
        ),
        ("The request body is too large", "Nội dung yêu cầu quá lớn"),
        (
            "The request body is not of a type this endpoint takes",
            "Kiểu nội dung của yêu cầu không được chấp nhận ở đây",
        ),
        ("The request has invalid fields", "Yêu cầu có trường không hợp lệ"),
        ("The request cannot be carried out", "Không thể thực hiện yêu cầu"),
        ("Too many requests", "Quá nhiều yêu cầu"),
        (
            "The service cannot reach its database right now",
            "Dịch vụ hiện không kết nối được với cơ sở dữ liệu",
        ),
        ("Internal server error", "Lỗi máy chủ nội bộ"),
        // error.rs
        ("3 fields are invalid", "3 trường không hợp lệ"),
        ("1 field is invalid", "1 trường không hợp lệ"),
        (
            "An unexpected error occurred; it has been logged with this request's id.",
            "Đã xảy ra lỗi ngoài dự kiến; lỗi đã được ghi lại kèm mã của yêu cầu này.",
        ),
        (
            "the database did not answer; try again in a moment",
            "cơ sở dữ liệu không phản hồi; vui lòng thử lại sau giây lát",
        ),
        (
            "a text contains a NUL character (U+0000), which cannot be stored",
            "một văn bản chứa ký tự NUL (U+0000), là ký tự không thể lưu trữ",
        ),
        ("1 to 300 characters", "từ 1 đến 300 ký tự"),
        // decode.rs
        (
            "contains a NUL character (U+0000), which cannot be stored",
            "chứa ký tự NUL (U+0000), là ký tự không thể lưu trữ",
        ),
        (
            "contains a lone UTF-16 surrogate (such as \\ud800), which is no character",
            "chứa một nửa cặp thay thế UTF-16 đứng riêng (như \\ud800), không ứng với ký tự nào",
        ),
        (
            "is not UTF-8 text once percent-decoded",
            "không phải văn bản UTF-8 sau khi giải mã phần trăm (percent-decoding)",
        ),
        (
            "the body is not valid JSON (line 1, column 11): EOF while parsing a list at line 1 column 11",
            "nội dung không phải JSON hợp lệ (dòng 1, cột 11): hết dữ liệu khi đang đọc một mảng tại dòng 1, cột 11",
        ),
        (
            "the body is not valid JSON (line 3, column 5): expected `,` or `}` at line 3 column 5",
            "nội dung không phải JSON hợp lệ (dòng 3, cột 5): cần dấu `,` hoặc `}` tại dòng 3, cột 5",
        ),
        (
            "the body is not valid JSON (line 1, column 1): something new at line 1 column 1",
            "nội dung không phải JSON hợp lệ (dòng 1, cột 1): something new at line 1 column 1",
        ),
        // serde
        ("missing field `unit_code`", "thiếu trường `unit_code`"),
        (
            "unknown field `colour`, there are no fields",
            "không có trường `colour`; ở đây không nhận trường nào",
        ),
        (
            "unknown field `pasword`, expected one of `username`, `password`, `role`, `scope`",
            "không có trường `pasword`; cần một trong `username`, `password`, `role`, `scope`",
        ),
        (
            "unknown field `tokn`, expected `refresh_token`",
            "không có trường `tokn`; cần `refresh_token`",
        ),
        (
            "unknown variant `ấp`, there are no variants",
            "giá trị `ấp` không hợp lệ; không có giá trị nào được nhận",
        ),
        (
            "unknown variant `superuser`, expected one of `admin`, `province`, `district`, `commune`, `sponsor`, `viewer`",
            "giá trị `superuser` không hợp lệ; cần một trong `admin`, `province`, `district`, `commune`, `sponsor`, `viewer`",
        ),
        (
            "unknown variant `xx`, expected `self` or `district_review`",
            "giá trị `xx` không hợp lệ; cần `self` hoặc `district_review`",
        ),
        (
            "invalid type: string \"x\", expected i32",
            "sai kiểu dữ liệu: nhận được chuỗi \"x\", cần số nguyên (i32)",
        ),
        (
            "invalid type: integer `5`, expected a string",
            "sai kiểu dữ liệu: nhận được số nguyên `5`, cần chuỗi",
        ),
        (
            "invalid type: null, expected a formatted date string",
            "sai kiểu dữ liệu: nhận được null, cần ngày dạng YYYY-MM-DD",
        ),
        (
            "invalid type: map, expected a sequence",
            "sai kiểu dữ liệu: nhận được đối tượng, cần mảng",
        ),
        (
            "invalid type: boolean `true`, expected f64",
            "sai kiểu dữ liệu: nhận được giá trị `true`, cần số (f64)",
        ),
        (
            "invalid type: string \"a, expected b\", expected a boolean",
            "sai kiểu dữ liệu: nhận được chuỗi \"a, expected b\", cần true hoặc false",
        ),
        (
            "invalid type: sequence, expected struct NewUser",
            "sai kiểu dữ liệu: nhận được mảng, cần đối tượng JSON",
        ),
        (
            "invalid type: integer `5`, expected string or map",
            "sai kiểu dữ liệu: nhận được số nguyên `5`, cần chuỗi hoặc đối tượng",
        ),
        (
            "invalid value: integer `-1`, expected u64",
            "giá trị không hợp lệ: nhận được số nguyên `-1`, cần số nguyên (u64)",
        ),
        (
            "invalid value: integer `3000000000`, expected i32",
            "giá trị không hợp lệ: nhận được số nguyên `3000000000`, cần số nguyên (i32)",
        ),
        (
            "invalid length 3, expected a tuple of size 2",
            "độ dài không hợp lệ (3), cần a tuple of size 2",
        ),
        ("duplicate field `name`", "trường `name` xuất hiện hai lần"),
        (
            "data did not match any variant of untagged enum Value",
            "giá trị phải là true, false hoặc một số",
        ),
        ("invalid digit found in string", "có ký tự không phải chữ số"),
        (
            "cannot parse integer from empty string",
            "giá trị trống, cần một số nguyên",
        ),
        (
            "number too large to fit in target type",
            "số quá lớn, vượt giới hạn cho phép",
        ),
        (
            "number too small to fit in target type",
            "số quá nhỏ, vượt giới hạn cho phép",
        ),
        ("invalid float literal", "không phải số hợp lệ"),
        ("cannot parse float from empty string", "giá trị trống, cần một số"),
        (
            "provided string was not `true` or `false`",
            "giá trị phải là `true` hoặc `false`",
        ),
        // chrono
        (
            "input contains invalid characters",
            "chứa ký tự không hợp lệ (ngày viết dạng YYYY-MM-DD)",
        ),
        (
            "premature end of input",
            "thiếu phần cuối (ngày viết dạng YYYY-MM-DD)",
        ),
        ("trailing input", "thừa ký tự ở cuối (ngày viết dạng YYYY-MM-DD)"),
        ("input is out of range", "ngày nằm ngoài phạm vi hợp lệ"),
        ("no possible date and time matching input", "không có ngày nào như vậy"),
        (
            "input is not enough for unique date and time",
            "không đủ thông tin để xác định ngày",
        ),
        // extract.rs, startup.rs, api/mod.rs
        (
            "send the body as JSON with `Content-Type: application/json`",
            "hãy gửi nội dung dạng JSON với `Content-Type: application/json`",
        ),
        (
            "the request body could not be read: Payload reached size limit.",
            "không đọc được nội dung yêu cầu: Payload reached size limit.",
        ),
        (
            "the body is larger than 16384 KiB; split it into smaller batches",
            "nội dung lớn hơn 16384 KiB; hãy chia thành các lô nhỏ hơn",
        ),
        ("the body is larger than 16 MiB", "nội dung lớn hơn 16 MiB"),
        (
            "larger than the limit of 20971520 bytes (NTM_DOCUMENT_MAX_BYTES)",
            "lớn hơn giới hạn 20971520 byte (NTM_DOCUMENT_MAX_BYTES)",
        ),
        (
            "the bytes are of no type this service recognises; accepted: application/pdf, image/png",
            "không nhận ra kiểu của nội dung tệp; các kiểu được chấp nhận: application/pdf, image/png",
        ),
        (
            "the bytes are application/x-executable; accepted: application/pdf",
            "nội dung tệp có kiểu application/x-executable; các kiểu được chấp nhận: application/pdf",
        ),
        ("the form has no part named `file`", "biểu mẫu không có phần tên `file`"),
        (
            "the body must be multipart/form-data, with the file in a part named `file`",
            "nội dung phải là multipart/form-data, với tệp trong phần tên `file`",
        ),
        (
            "this file is already document 7 of assessment 3 (\"Báo cáo\")",
            "tệp này đã là tài liệu 7 của hồ sơ đánh giá 3 (\"Báo cáo\")",
        ),
        (
            "assessment 3 is submitted: its documents are attached and removed while it is a draft (or returned to draft)",
            "đánh giá 3 đang ở trạng thái đã nộp: chỉ thêm hoặc gỡ tài liệu khi đánh giá là bản nháp (hoặc đã bị trả lại)",
        ),
        ("The requested range is outside the content", "Khoảng byte yêu cầu nằm ngoài nội dung"),
        (
            "is not readable text: send the ETag as read",
            "không phải văn bản đọc được: hãy gửi ETag đúng như đã đọc",
        ),
        (
            "must be `*` or the ETag as read, e.g. \"12-3\" (a list of them separated by commas)",
            "phải là `*` hoặc ETag đúng như đã đọc, ví dụ \"12-3\" (nhiều ETag thì cách nhau bằng dấu phẩy)",
        ),
        (
            "If-Match W/\"3-2\", \"3-4\" does not match the current ETag \"3-5\"; read the resource again",
            "If-Match W/\"3-2\", \"3-4\" không khớp với ETag hiện tại \"3-5\"; hãy đọc lại dữ liệu",
        ),
        (
            "/api/v1/provinces does not offer PUT; it offers GET, POST",
            "/api/v1/provinces không hỗ trợ phương thức PUT; chỉ hỗ trợ GET, POST",
        ),
        (
            "no such path: GET /api/v1/provincez; see /swagger-ui/ for what this API offers",
            "không có đường dẫn GET /api/v1/provincez; xem /swagger-ui/ để biết API này cung cấp những gì",
        ),
        (
            "the path is not valid: Path deserialize error: can not parse \"abc\" to a i32",
            "đường dẫn không hợp lệ: không đọc được \"abc\" thành số nguyên (i32)",
        ),
        (
            "the path is not valid: Path deserialize error: wrong number of parameters: 2 expected 1",
            "đường dẫn không hợp lệ: Path deserialize error: wrong number of parameters: 2 expected 1",
        ),
        // auth
        (
            "send an access token as `Authorization: Bearer <token>`",
            "hãy gửi mã truy cập (access token) dạng `Authorization: Bearer <token>`",
        ),
        (
            "the Authorization header is not readable",
            "không đọc được header Authorization",
        ),
        (
            "the Authorization header must be `Bearer <token>`",
            "header Authorization phải có dạng `Bearer <token>`",
        ),
        (
            "the token's subject is not a user",
            "chủ thể (sub) của mã truy cập không phải là người dùng",
        ),
        (
            "the token's user no longer exists",
            "người dùng của mã này không còn tồn tại",
        ),
        (
            "this access token was issued before a logout or a password change; log in again",
            "mã truy cập này được cấp trước lần đăng xuất hoặc đổi mật khẩu gần nhất; hãy đăng nhập lại",
        ),
        (
            "the access token has expired; refresh it",
            "mã truy cập đã hết hạn; hãy làm mới mã",
        ),
        (
            "the access token's signature is not valid",
            "chữ ký của mã truy cập không hợp lệ",
        ),
        (
            "the access token's algorithm is not accepted",
            "thuật toán của mã truy cập không được chấp nhận",
        ),
        (
            "the access token was not issued for this API",
            "mã truy cập không được cấp cho API này",
        ),
        ("the access token is not valid", "mã truy cập không hợp lệ"),
        ("unknown refresh token", "không nhận ra mã làm mới (refresh token)"),
        (
            "this refresh token was already used or revoked",
            "mã làm mới này đã được dùng hoặc đã bị thu hồi",
        ),
        (
            "the refresh token has expired; log in again",
            "mã làm mới đã hết hạn; hãy đăng nhập lại",
        ),
        ("this refresh token was already used", "mã làm mới này đã được dùng"),
        ("is required", "là bắt buộc"),
        ("wrong username or password", "sai tên đăng nhập hoặc mật khẩu"),
        (
            "too many failed logins for this username; try again in 840 s",
            "đăng nhập sai quá nhiều lần với tên đăng nhập này; hãy thử lại sau 840 giây",
        ),
        (
            "too many failed logins for your address; try again in 12 s",
            "đăng nhập sai quá nhiều lần với địa chỉ của bạn; hãy thử lại sau 12 giây",
        ),
        // idempotency.rs
        (
            "1 to 200 visible ASCII characters",
            "từ 1 đến 200 ký tự ASCII in được",
        ),
        (
            "the first request with this Idempotency-Key was not kept; retry",
            "yêu cầu đầu tiên với Idempotency-Key này không được lưu lại; hãy gửi lại",
        ),
        (
            "this key was used for a different request; use a new key",
            "khóa này đã được dùng cho một yêu cầu khác; hãy dùng khóa mới",
        ),
        (
            "the first request with this Idempotency-Key is still being answered; retry shortly",
            "yêu cầu đầu tiên với Idempotency-Key này vẫn đang được xử lý; hãy thử lại sau giây lát",
        ),
        (
            "the first request with this Idempotency-Key was answered 207 but its answer (310 KiB) was too large to keep; it was not run again: read the result instead",
            "yêu cầu đầu tiên với Idempotency-Key này đã được trả lời với mã 207 nhưng câu trả lời (310 KiB) quá lớn để lưu lại; yêu cầu không được chạy lại: hãy đọc kết quả",
        ),
        // bounds
        ("must be between 1 and 500", "phải từ 1 đến 500"),
        ("must be between 2000 and 2027", "phải từ 2000 đến 2027"),
        ("must be 0 or more", "phải từ 0 trở lên"),
        (
            "must be from `from` to 30 years after it",
            "phải từ `from` đến 30 năm sau đó",
        ),
        ("send 1 to 5000 items per batch", "mỗi lô gửi từ 1 đến 5000 mục"),
        ("the database does not answer", "cơ sở dữ liệu không phản hồi"),
        (
            "the database did not answer within 2 s",
            "cơ sở dữ liệu không phản hồi trong vòng 2 giây",
        ),
        // access.rs
        (
            "the commune role may not do this (ManageCriteria)",
            "vai trò cán bộ xã không được làm việc này (quản lý bộ tiêu chí)",
        ),
        (
            "the viewer role may not do this (RecordActivities)",
            "vai trò người xem không được làm việc này (ghi nhận hoạt động đỡ đầu)",
        ),
        (
            "the province role may not create or grant admin users",
            "vai trò cán bộ tỉnh không được tạo hoặc cấp quyền cho người dùng vai trò quản trị viên",
        ),
        (
            "the district role may not sync these items",
            "vai trò cán bộ huyện không được đồng bộ các mục này",
        ),
        (
            "this is outside your scope (commune 18073)",
            "việc này nằm ngoài phạm vi của bạn (cán bộ xã, phạm vi 18073)",
        ),
        (
            "the change feed is for admins, viewers and province officers (sync accounts)",
            "nguồn thay đổi (change feed) chỉ dành cho quản trị viên, người xem và cán bộ tỉnh (tài khoản đồng bộ)",
        ),
        (
            "the audit trail is read by admins and province officers",
            "nhật ký kiểm tra (audit) chỉ dành cho quản trị viên và cán bộ tỉnh",
        ),
        ("must be after `from`", "phải sau `from`"),
        (
            "120001 entries match; a CSV holds at most 100000: narrow the time range (from, to)",
            "có 120001 mục khớp; một tệp CSV chứa tối đa 100000 mục: hãy thu hẹp khoảng thời gian (from, to)",
        ),
        (
            "invalid date `2021-9-25`: expected YYYY-MM-DD (RFC 3339)",
            "ngày `2021-9-25` không hợp lệ: cần dạng YYYY-MM-DD (RFC 3339)",
        ),
        (
            "invalid date-time `2026-01-01 00:00:00Z`: expected RFC 3339, e.g. 2026-12-01T08:30:00Z",
            "thời điểm `2026-01-01 00:00:00Z` không hợp lệ: cần dạng RFC 3339, ví dụ 2026-12-01T08:30:00Z",
        ),
        (
            "only admins and province officers list users",
            "chỉ quản trị viên và cán bộ tỉnh được xem danh sách người dùng",
        ),
        (
            "agency 7 belongs to province 40; a sponsorship needs a national agency or one of your province",
            "đơn vị đỡ đầu 7 thuộc tỉnh 40; thỏa thuận đỡ đầu cần một đơn vị đỡ đầu cấp trung ương hoặc thuộc tỉnh của bạn",
        ),
        (
            "a reviewed assessment does not wait on the district level's decision; only that level returns it",
            "đánh giá ở trạng thái đã thẩm tra không chờ quyết định của cán bộ huyện; chỉ cấp mà đánh giá đang chờ quyết định được trả lại đánh giá",
        ),
        (
            "the code 18850 belongs to units of province 42; only an admin may give it to another province",
            "mã 18850 thuộc các đơn vị của tỉnh 42; chỉ quản trị viên được chuyển mã này sang tỉnh khác",
        ),
        (
            "you may not change your own role or scope",
            "bạn không được tự thay đổi vai trò hoặc phạm vi của mình",
        ),
        // users
        (
            "is required to change your own password",
            "là bắt buộc khi đổi mật khẩu của chính bạn",
        ),
        ("the current password is wrong", "mật khẩu hiện tại không đúng"),
        (
            "you cannot delete your own account",
            "bạn không thể xóa tài khoản của chính mình",
        ),
        ("this username is taken", "tên đăng nhập này đã có người dùng"),
        (
            "3 to 64 lower-case letters, digits, '.', '_' or '-'",
            "từ 3 đến 64 ký tự gồm chữ thường, chữ số, '.', '_' hoặc '-'",
        ),
        (
            "must be 10 to 200 characters long",
            "phải dài từ 10 đến 200 ký tự",
        ),
        ("the viewer role has no scope", "vai trò người xem không có phạm vi"),
        (
            "a sponsor's scope is its agency id (a positive integer)",
            "phạm vi của người dùng đơn vị đỡ đầu là id của đơn vị đỡ đầu (một số nguyên dương)",
        ),
        (
            "the commune role needs the code of its commune",
            "vai trò cán bộ xã cần mã xã của mình",
        ),
        // not found, changed
        ("no agency has the id 12", "không có đơn vị đỡ đầu nào có id 12"),
        (
            "no criteria version has the id 5",
            "không có phiên bản bộ tiêu chí nào có id 5",
        ),
        ("no criteria set has the id 3", "không có bộ tiêu chí nào có id 3"),
        ("no province has the code 99", "không có tỉnh nào có mã 99"),
        ("no commune has the code 18850", "không có xã nào có mã 18850"),
        (
            "no village with the code KL-01 was valid on 2024-01-01",
            "không có thôn nào có mã KL-01 còn hiệu lực vào ngày 2024-01-01",
        ),
        (
            "no province 42 was valid on 1990-01-01",
            "tỉnh 42 không có hiệu lực vào ngày 1990-01-01",
        ),
        (
            "no commune 18850 existed on 2021-09-25",
            "xã 18850 không tồn tại vào ngày 2021-09-25",
        ),
        (
            "no district 443 existed at the start of 2026",
            "huyện 443 không tồn tại vào đầu năm 2026",
        ),
        ("assessment 12 was not found", "không tìm thấy đánh giá 12"),
        ("criteria version 9 was not found", "không tìm thấy phiên bản bộ tiêu chí 9"),
        ("criteria set 2 was not found", "không tìm thấy bộ tiêu chí 2"),
        ("agency 4 was not found", "không tìm thấy đơn vị đỡ đầu 4"),
        ("sponsorship 8 was not found", "không tìm thấy thỏa thuận đỡ đầu 8"),
        ("user 31 was not found", "không tìm thấy người dùng 31"),
        ("registration 6 was not found", "không tìm thấy đăng ký 6"),
        ("recognition 10 was not found", "không tìm thấy quyết định công nhận 10"),
        ("the version was not found", "không tìm thấy phiên bản"),
        (
            "the criteria version was not found",
            "không tìm thấy phiên bản bộ tiêu chí",
        ),
        (
            "the assessment's criteria version was not found",
            "không tìm thấy phiên bản bộ tiêu chí của đánh giá",
        ),
        ("the recognition was not found", "không tìm thấy quyết định công nhận"),
        ("the unit was not found", "không tìm thấy đơn vị hành chính"),
        (
            "the assessment changed since you read it; read it again",
            "đánh giá đã thay đổi kể từ khi bạn đọc; hãy đọc lại",
        ),
        (
            "the agency changed since you read it",
            "đơn vị đỡ đầu đã thay đổi kể từ khi bạn đọc",
        ),
        (
            "the criteria version changed since you read it",
            "phiên bản bộ tiêu chí đã thay đổi kể từ khi bạn đọc",
        ),
        // assessments
        (
            "this criteria version is a draft; assess against a published one",
            "phiên bản bộ tiêu chí này là bản nháp; hãy đánh giá theo một phiên bản đã ban hành",
        ),
        (
            "criteria version 5 is in force from 2021-01-01 to now",
            "phiên bản bộ tiêu chí 5 có hiệu lực từ 2021-01-01 đến nay",
        ),
        (
            "criteria version 2 is in force from 2016-01-01 to 2020-12-31",
            "phiên bản bộ tiêu chí 2 có hiệu lực từ 2016-01-01 đến 2020-12-31",
        ),
        (
            "this criteria set belongs to province 42",
            "bộ tiêu chí này thuộc tỉnh 42",
        ),
        (
            "this unit already has an assessment of this kind against this version on this date",
            "đơn vị này đã có một đánh giá cùng loại theo phiên bản này vào ngày này",
        ),
        ("sent twice", "bị gửi hai lần"),
        (
            "indicator 17.9 is not in this criteria version",
            "chỉ tiêu 17.9 không có trong phiên bản bộ tiêu chí này",
        ),
        (
            "indicator 1.1 is yes/no: send true or false",
            "chỉ tiêu 1.1 thuộc dạng có/không: hãy gửi true hoặc false",
        ),
        (
            "indicator 10 is numeric (triệu đồng/người/năm): send a number",
            "chỉ tiêu 10 thuộc dạng số (triệu đồng/người/năm): hãy gửi một số",
        ),
        (
            "indicator 12 is numeric (no unit): send a number",
            "chỉ tiêu 12 thuộc dạng số (không có đơn vị tính): hãy gửi một số",
        ),
        (
            "criterion 20 is not in this criteria version",
            "tiêu chí 20 không có trong phiên bản bộ tiêu chí này",
        ),
        ("contradicts result", "mâu thuẫn với trường result"),
        (
            "a decision needs a note saying what it rests on",
            "quyết định cần có ghi chú nêu rõ căn cứ",
        ),
        (
            "the assessment is submitted now",
            "đánh giá hiện đã ở trạng thái đã nộp",
        ),
        (
            "the assessment is submitted: editing needs it to be draft",
            "đánh giá đang ở trạng thái đã nộp: muốn chỉnh sửa thì đánh giá phải ở trạng thái nháp",
        ),
        (
            "the assessment is appraised: deleting needs it to be draft",
            "đánh giá đang ở trạng thái đã thẩm định: muốn xóa thì đánh giá phải ở trạng thái nháp",
        ),
        (
            "returning an assessment needs a reason",
            "trả lại đánh giá cần nêu lý do",
        ),
        (
            "an assessment that is draft cannot be appraised",
            "đánh giá ở trạng thái nháp thì không thể thẩm định",
        ),
        (
            "an assessment that is recognized cannot be returned",
            "đánh giá ở trạng thái đã công nhận thì không thể trả lại",
        ),
        // criteria
        (
            "2 to 64 upper-case letters, digits or '-'",
            "từ 2 đến 64 ký tự gồm chữ in hoa, chữ số hoặc '-'",
        ),
        (
            "`national` or the code of a current province",
            "`national` hoặc mã của một tỉnh hiện hành",
        ),
        (
            "a criteria set with this code exists",
            "đã có bộ tiêu chí với mã này",
        ),
        ("must be after effective_from", "phải sau effective_from"),
        ("must not be after ends_on", "không được sau ends_on"),
        ("must not be before valid_from", "không được trước valid_from"),
        (
            "a version needs at least one criterion",
            "phiên bản cần có ít nhất một tiêu chí",
        ),
        (
            "a version cannot revise itself",
            "phiên bản không thể sửa đổi chính nó",
        ),
        (
            "the revised version belongs to another set",
            "phiên bản được sửa đổi thuộc một bộ tiêu chí khác",
        ),
        (
            "this set already has a version with this label",
            "bộ tiêu chí này đã có phiên bản với nhãn này",
        ),
        (
            "criteria version 4 is published: published versions are immutable; make a revision instead",
            "phiên bản bộ tiêu chí 4 ở trạng thái đã ban hành: phiên bản đã ban hành thì không sửa được; hãy tạo bản sửa đổi",
        ),
        (
            "a version cannot move to another set",
            "phiên bản không thể chuyển sang bộ tiêu chí khác",
        ),
        (
            "other versions revise this draft",
            "có phiên bản khác đang sửa đổi bản nháp này",
        ),
        (
            "the version was published or deleted meanwhile",
            "phiên bản vừa được ban hành hoặc bị xóa trong lúc đó",
        ),
        (
            "the revised version 3 is still a draft; publish it first",
            "phiên bản được sửa đổi 3 vẫn là bản nháp; hãy ban hành phiên bản đó trước",
        ),
        (
            "a revision takes effect after the version it revises (2021-01-01)",
            "bản sửa đổi phải có hiệu lực sau phiên bản mà nó sửa đổi (2021-01-01)",
        ),
        (
            "a draft cannot be revised; edit it instead",
            "không thể sửa đổi một bản nháp; hãy chỉnh sửa trực tiếp bản nháp",
        ),
        (
            "criterion number 7 is used twice",
            "số thứ tự tiêu chí 7 bị dùng hai lần",
        ),
        ("criterion code 7 is used twice", "mã tiêu chí 7 bị dùng hai lần"),
        (
            "a criterion needs at least one indicator",
            "tiêu chí cần có ít nhất một chỉ tiêu",
        ),
        (
            "indicator code 15.1 is used twice in this version",
            "mã chỉ tiêu 15.1 bị dùng hai lần trong phiên bản này",
        ),
        (
            "a boolean indicator has no thresholds",
            "chỉ tiêu dạng có/không thì không có ngưỡng",
        ),
        ("must be a finite number", "phải là một số hữu hạn"),
        ("must be 1, 2 or 3", "phải là 1, 2 hoặc 3"),
        (
            "another threshold has the same region, commune group and year",
            "đã có ngưỡng khác cùng vùng, nhóm xã và năm",
        ),
        (
            "1 to 16 letters, digits or dots, e.g. \"15.1\"",
            "từ 1 đến 16 ký tự gồm chữ cái, chữ số hoặc dấu chấm, ví dụ \"15.1\"",
        ),
        // recognitions, registrations
        (
            "assessment 9 is about unit 18850",
            "đánh giá 9 là của đơn vị 18850",
        ),
        (
            "assessment 9 measures the level commune_advanced",
            "đánh giá 9 được lập cho mức xã nông thôn mới nâng cao (commune_advanced)",
        ),
        (
            "a decision cannot precede the assessment it rests on",
            "quyết định không thể có trước ngày của đánh giá làm căn cứ",
        ),
        (
            "the assessment is reviewed; only an appraised assessment can be recognised",
            "đánh giá đang ở trạng thái đã thẩm tra; chỉ có thể công nhận đánh giá đã thẩm định",
        ),
        ("criteria not met: 10, 17, 19", "các tiêu chí chưa đạt: 10, 17, 19"),
        (
            "a revocation cannot precede the recognition",
            "quyết định thu hồi không thể có trước quyết định công nhận",
        ),
        (
            "this recognition is already revoked",
            "quyết định công nhận này đã bị thu hồi",
        ),
        ("at most 2000 characters", "tối đa 2000 ký tự"),
        (
            "this unit is already registered for this level and year",
            "đơn vị này đã đăng ký mức này cho năm này",
        ),
        // sponsorships
        (
            "the agency still has 3 sponsorships",
            "đơn vị đỡ đầu vẫn còn 3 thỏa thuận đỡ đầu",
        ),
        (
            "commune 18850 ended on 2025-06-30; end the sponsorship by then",
            "xã 18850 đã chấm dứt vào ngày 2025-06-30; hãy kết thúc việc đỡ đầu chậm nhất vào ngày đó",
        ),
        (
            "this agency already sponsors this commune from this date",
            "đơn vị đỡ đầu này đã đỡ đầu xã này từ ngày này",
        ),
        (
            "activities are recorded after that date",
            "đã có hoạt động được ghi nhận sau ngày đó",
        ),
        (
            "must be within the sponsorship, 2016-01-01 to 2020-12-31",
            "phải nằm trong thời gian đỡ đầu, từ 2016-01-01 đến 2020-12-31",
        ),
        ("must not be negative", "không được là số âm"),
        (
            "at most 100000000000000 VND for one activity",
            "tối đa 100000000000000 VND cho một hoạt động",
        ),
        (
            "a funding activity needs its amount in VND",
            "hoạt động hỗ trợ kinh phí cần ghi số tiền (VND)",
        ),
        ("say what was given", "hãy ghi rõ đã hỗ trợ những gì"),
        // units
        ("only villages name their commune", "chỉ thôn được ghi xã trực thuộc"),
        (
            "1 to 200 characters, without leading or trailing spaces",
            "từ 1 đến 200 ký tự, không có khoảng trắng ở đầu hoặc cuối",
        ),
        (
            "a commune is one of: xã, phường, thị trấn, đặc khu",
            "đơn vị cấp xã phải thuộc một trong các loại: xã, phường, thị trấn, đặc khu",
        ),
        ("only communes have a commune group", "nhóm xã chỉ áp dụng cho xã"),
        (
            "a commune code is 5 digits, e.g. \"18850\"",
            "mã xã gồm 5 chữ số, ví dụ \"18850\"",
        ),
        (
            "a province code is 2 digits, e.g. \"42\"",
            "mã tỉnh gồm 2 chữ số, ví dụ \"42\"",
        ),
        (
            "a village code is 1 to 32 letters, digits, '.', '-' or '_'",
            "mã thôn gồm từ 1 đến 32 ký tự: chữ cái, chữ số, '.', '-' hoặc '_'",
        ),
        (
            "a province needs its socio-economic region",
            "tỉnh cần có vùng kinh tế - xã hội",
        ),
        ("a province has no parent", "tỉnh không có đơn vị cấp trên"),
        (
            "taken from the province; set it on the province",
            "giá trị này lấy theo tỉnh; hãy đặt ở tỉnh",
        ),
        ("a district has no parent district", "huyện không có huyện cấp trên"),
        (
            "a village takes its province and district from its commune",
            "thôn lấy tỉnh và huyện theo xã của mình",
        ),
        ("a district needs its province", "huyện cần ghi rõ tỉnh"),
        (
            "district 443 is not in province 40",
            "huyện 443 không thuộc tỉnh 40",
        ),
        (
            "commune 18850 already has a version valid from the start to 2025-06-30; give this one a period that does not overlap",
            "xã 18850 đã có một phiên bản hiệu lực từ trước đến 2025-06-30; hãy đặt cho phiên bản này thời kỳ không chồng lấn",
        ),
        (
            "province 42 already has a version valid from 2025-07-01 to now; give this one a period that does not overlap",
            "tỉnh 42 đã có một phiên bản hiệu lực từ 2025-07-01 đến nay; hãy đặt cho phiên bản này thời kỳ không chồng lấn",
        ),
        (
            "a version of this code with this valid_from exists",
            "đã có phiên bản của mã này với valid_from này",
        ),
        (
            "the new period overlaps another version of this code",
            "thời kỳ mới chồng lấn một phiên bản khác của mã này",
        ),
        (
            "this unit cannot be deleted while 12 lower-level units belong to it",
            "không thể xóa đơn vị này vì còn 12 đơn vị cấp dưới trực thuộc",
        ),
        (
            "this unit cannot be deleted while 2 assessments are about it",
            "không thể xóa đơn vị này vì còn 2 đánh giá của đơn vị",
        ),
        (
            "this unit cannot be deleted while 1 recognition decisions are about it",
            "không thể xóa đơn vị này vì còn 1 quyết định công nhận của đơn vị",
        ),
        (
            "this unit cannot be deleted while 3 registrations name it",
            "không thể xóa đơn vị này vì còn 3 đăng ký ghi tên đơn vị",
        ),
        (
            "this unit cannot be deleted while 1 sponsorships name it",
            "không thể xóa đơn vị này vì còn 1 thỏa thuận đỡ đầu ghi tên đơn vị",
        ),
        (
            "this unit cannot be deleted while 4 users have it as their scope",
            "không thể xóa đơn vị này vì còn 4 người dùng có phạm vi là đơn vị này",
        ),
        // The detail of one invalid field.
        ("per_page: must be between 1 and 500", "per_page: phải từ 1 đến 500"),
        (
            "assessment_id: criteria not met: 10, 17",
            "assessment_id: các tiêu chí chưa đạt: 10, 17",
        ),
        (
            "base: criteria version 9 was not found",
            "base: không tìm thấy phiên bản bộ tiêu chí 9",
        ),
        (
            "items[2].kind: unknown variant `ấp`, expected `self` or `district_review`",
            "items[2].kind: giá trị `ấp` không hợp lệ; cần `self` hoặc `district_review`",
        ),
        (
            "If-Match: is not readable text: send the ETag as read",
            "If-Match: không phải văn bản đọc được: hãy gửi ETag đúng như đã đọc",
        ),
    ];

    /// Which entry translates `english` (its index in [`ENTRIES`]).
    fn entry_of(english: &str) -> Option<usize> {
        CATALOGUE.iter().position(|(pattern, template)| {
            pattern
                .captures(english)
                .is_some_and(|c| render(pattern, &c, template).is_some())
        })
    }

    #[test]
    fn every_example_translates_as_expected() {
        for (english, expected) in EXAMPLES {
            assert_eq!(vi(english).as_deref(), Some(*expected), "for {english:?}");
        }
    }

    #[test]
    fn every_entry_is_reached_by_an_example() {
        let reached: std::collections::HashSet<usize> =
            EXAMPLES.iter().filter_map(|(e, _)| entry_of(e)).collect();
        let missed: Vec<&str> = ENTRIES
            .iter()
            .enumerate()
            .filter(|(i, _)| !reached.contains(i))
            .map(|(_, (pattern, _))| *pattern)
            .collect();
        assert!(missed.is_empty(), "entries no example reaches: {missed:#?}");
    }

    #[test]
    fn every_title_translates() {
        // `ApiError::slug_and_title`, in its order.
        let titles = [
            "The request could not be read",
            "Authentication is required",
            "This is outside your role or scope",
            "Not found",
            "This path does not offer this method",
            "The request conflicts with current data",
            "The resource changed since you read it",
            "The request body is too large",
            "The request body is not of a type this endpoint takes",
            "The requested range is outside the content",
            "The request has invalid fields",
            "The request cannot be carried out",
            "Too many requests",
            "The service cannot reach its database right now",
            "Internal server error",
        ];
        for title in titles {
            let vietnamese = vi(title).unwrap_or_else(|| panic!("no Vietnamese for {title:?}"));
            assert_ne!(vietnamese, title);
            assert!(vietnamese.chars().next().is_some_and(char::is_uppercase));
        }
    }

    #[test]
    fn texts_outside_the_catalogue_stay_english() {
        for english in [
            "",
            "something nobody wrote",
            "the Martian role may not do this (ManageCriteria)",
            "the commune role may not fly",
            "an assessment that is lost cannot be appraised",
            "no planet has the code 42",
            "dragon 5 was not found",
            "the spaceship changed since you read it",
            "field: something nobody wrote",
            "Not found.",
            " Not found",
        ] {
            assert_eq!(vi(english), None, "for {english:?}");
        }
    }

    #[test]
    fn patterns_are_anchored_distinct_and_compile() {
        let mut seen = std::collections::HashSet::new();
        for (pattern, template) in ENTRIES {
            assert!(
                pattern.starts_with('^') && pattern.ends_with('$'),
                "not anchored: {pattern}"
            );
            assert!(seen.insert(*pattern), "twice: {pattern}");
            let regex = Regex::new(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"));
            // Every `$name` of the template is a capture of the pattern.
            let names: Vec<&str> = regex.capture_names().flatten().collect();
            let mut rest = *template;
            while let Some(at) = rest.find('$') {
                rest = &rest[at + 1..];
                let name = rest.strip_prefix('{').unwrap_or(rest);
                let end = name
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(name.len());
                assert!(
                    names.contains(&&name[..end]),
                    "{template:?} names ${} which {pattern} does not capture",
                    &name[..end]
                );
            }
        }
        assert_eq!(CATALOGUE.len(), ENTRIES.len());
    }

    #[test]
    fn templates_expand_like_regex_replace() {
        let values = [("n", "3".to_string()), ("name", "x".to_string())];
        assert_eq!(
            expand("$n trường, ${n}a, $$n, $name.", &values),
            "3 trường, 3a, $n, x."
        );
        assert_eq!(expand("$missing|$", &values), "|$");
    }

    #[test]
    fn shortened_messages_still_translate() {
        // `FieldError::compact` cuts quoted values and long messages with `…`.
        assert_eq!(
            vi("unknown variant `xxxxxxxx…`, expected one of `admin`, `prov…").as_deref(),
            Some("giá trị `xxxxxxxx…` không hợp lệ; cần một trong `admin`, `prov…")
        );
    }
}
