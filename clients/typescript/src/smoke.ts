// A small program written against the TypeScript types generated from
// openapi/openapi.json (src/schema.d.ts, made by `npm run generate`), the way a mobile
// app would call ntm-api with openapi-fetch. Each step asserts what it got and the
// program exits non-zero with a message naming the step on the first mismatch.
//
//   node dist/smoke.js [BASE_URL]
//
// Environment:
//   NTM_BASE_URL        base URL when no argument is given (e.g. http://127.0.0.1:8080)
//   NTM_ADMIN_PASSWORD  password of the `admin` user (required)
//   NTM_EXPECT_304      "1" (default): step f fails without a 304; "0": it only warns

import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema.js";

type Schemas = components["schemas"];
type UnitView = Schemas["UnitView"];
type Problem = Schemas["Problem"];
type FieldError = Schemas["FieldError"];
type CurrentLevel = Schemas["CurrentLevel"];
type NewAgency = Schemas["NewAgency"];

// Every value of the CurrentLevel enum; the Record type makes this fail to compile when
// the document adds or removes a level.
const CURRENT_LEVELS: Readonly<Record<CurrentLevel, true>> = {
  none: true,
  commune: true,
  commune_advanced: true,
  commune_model: true,
};

const REQUEST_TIMEOUT_MS = 15_000;

class Failure extends Error {}
class ConfigError extends Error {}

function fail(message: string): never {
  throw new Failure(message);
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) fail(message);
}

function show(value: unknown): string {
  if (value === undefined) return "(no body)";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 400 ? `${text.slice(0, 400)}…` : text;
}

/** "HTTP 422 application/problem+json: {...}" for messages about an unexpected answer. */
function describe(response: Response, body: unknown): string {
  const type = response.headers.get("content-type") ?? "no content-type";
  return `HTTP ${response.status} ${type}: ${show(body)}`;
}

function isPageShape(page: { items: unknown; total: unknown; page: unknown; per_page: unknown }): boolean {
  return (
    Array.isArray(page.items) &&
    Number.isInteger(page.total) &&
    Number.isInteger(page.page) &&
    Number.isInteger(page.per_page)
  );
}

function settings(): { baseUrl: string; password: string; expect304: boolean } {
  const raw = process.argv[2] ?? process.env["NTM_BASE_URL"];
  if (!raw) throw new ConfigError("give the base URL as the first argument or in NTM_BASE_URL");
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`not a URL: ${JSON.stringify(raw)}`);
  }
  const password = process.env["NTM_ADMIN_PASSWORD"];
  if (!password) throw new ConfigError("set NTM_ADMIN_PASSWORD to the admin password");
  const expect = process.env["NTM_EXPECT_304"] ?? "1";
  if (expect !== "0" && expect !== "1") {
    throw new ConfigError(`NTM_EXPECT_304 must be "0" or "1", not ${JSON.stringify(expect)}`);
  }
  return { baseUrl: url.href.replace(/\/+$/, ""), password, expect304: expect === "1" };
}

let currentStep = "start";
let warnings = 0;

/** Runs one step; it returns "warned" when it passed with a warning. */
async function step(name: string, run: () => Promise<void | "warned">): Promise<void> {
  currentStep = name;
  console.log(`▶ ${name}`);
  const outcome = await run();
  if (outcome === "warned") warnings += 1;
  console.log(outcome === "warned" ? "  passed with a warning" : "  ok");
}

function info(message: string): void {
  console.log(`  ${message}`);
}

async function main(): Promise<void> {
  const { baseUrl, password, expect304 } = settings();
  console.log(`ntm-api TypeScript client smoke test against ${baseUrl}`);

  const client = createClient<paths>({
    baseUrl,
    fetch: (request: Request) => fetch(request, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) }),
  });

  // Bearer token on every request once logged in, as an app would do it.
  let accessToken: string | undefined;
  const bearer: Middleware = {
    onRequest({ request }) {
      if (accessToken !== undefined) request.headers.set("Authorization", `Bearer ${accessToken}`);
      return request;
    },
  };
  client.use(bearer);

  // a. Log in.
  await step("a. log in: POST /api/v1/auth/token", async () => {
    const { data, error, response } = await client.POST("/api/v1/auth/token", {
      body: { username: "admin", password },
    });
    check(data !== undefined, `expected 200 with a token, got ${describe(response, error)}`);
    check(response.status === 200, `expected status 200, got ${response.status}`);
    check(
      typeof data.access_token === "string" && data.access_token.length > 0,
      `access_token is not a non-empty string: ${show(data)}`,
    );
    check(data.token_type === "Bearer", `token_type is ${show(data.token_type)}, not "Bearer"`);
    check(Number.isInteger(data.expires_in) && data.expires_in > 0, `expires_in is ${show(data.expires_in)}`);
    check(typeof data.refresh_token === "string" && data.refresh_token.length > 0, "no refresh_token");
    accessToken = data.access_token;
    info(`token_type ${data.token_type}, expires in ${data.expires_in} s`);
  });

  // b. Provinces and a search without diacritics.
  let commune: UnitView | undefined;
  let provinceCode = "";
  await step("b. lists: GET /api/v1/provinces, GET /api/v1/communes?q=ky lac", async () => {
    const provinces = await client.GET("/api/v1/provinces");
    check(provinces.data !== undefined, `provinces: ${describe(provinces.response, provinces.error)}`);
    check(isPageShape(provinces.data), `provinces: not a page {items, total, page, per_page}: ${show(provinces.data)}`);
    check(provinces.data.items.length > 0, "provinces: items is empty");
    check(provinces.data.page === 1, `provinces: page is ${provinces.data.page}, not 1`);
    const notProvinces = provinces.data.items.filter((unit) => unit.level !== "province");
    check(notProvinces.length === 0, `provinces: items of another level: ${show(notProvinces[0])}`);
    info(
      `provinces: total ${provinces.data.total} (every version), ${provinces.data.items.length} on page 1 ` +
        `of ${provinces.data.per_page}`,
    );

    const found = await client.GET("/api/v1/communes", { params: { query: { q: "ky lac" } } });
    check(found.data !== undefined, `communes?q=ky lac: ${describe(found.response, found.error)}`);
    const page = found.data;
    check(isPageShape(page), `communes?q=ky lac: not a page {items, total, page, per_page}: ${show(page)}`);
    check(page.page === 1, `communes?q=ky lac: page is ${page.page}, not 1`);
    check(page.per_page >= page.items.length, `communes?q=ky lac: ${page.items.length} items > per_page ${page.per_page}`);
    check(page.total >= page.items.length, `communes?q=ky lac: total ${page.total} < ${page.items.length} items`);
    const matches = page.items.filter((unit) => unit.level === "commune" && unit.name === "Kỳ Lạc");
    check(
      matches.length > 0,
      `communes?q=ky lac: no commune named "Kỳ Lạc" among ${show(page.items.map((u) => u.full_name))}`,
    );
    // Prefer the version valid today (valid_to null); the search lists every version.
    commune = matches.find((unit) => unit.valid_to === null || unit.valid_to === undefined) ?? matches[0];
    check(commune !== undefined, "unreachable");
    check(typeof commune.province_code === "string", `Kỳ Lạc has no province_code: ${show(commune)}`);
    provinceCode = commune.province_code;
    info(
      `communes?q=ky lac: total ${page.total}; using ${commune.full_name} ${commune.code} ` +
        `(province ${provinceCode}, valid ${commune.valid_from ?? "…"} to ${commune.valid_to ?? "now"})`,
    );

    const province = await client.GET("/api/v1/provinces/{code}", { params: { path: { code: provinceCode } } });
    check(province.data !== undefined, `provinces/${provinceCode}: ${describe(province.response, province.error)}`);
    check(
      province.data.name === "Hà Tĩnh",
      `Kỳ Lạc's province ${provinceCode} is ${show(province.data.name)}, not "Hà Tĩnh"`,
    );
    info(`province ${provinceCode}: ${province.data.full_name}`);
  });

  // c. The commune's status.
  await step("c. commune status: GET /api/v1/communes/{code}/status", async () => {
    check(commune !== undefined, "no commune from step b");
    const unit = commune;
    // A version that is no longer current is asked for on its last day.
    const on = unit.valid_to ?? undefined;
    const { data, error, response } = await client.GET("/api/v1/communes/{code}/status", {
      params: { path: { code: unit.code }, query: on === undefined ? {} : { on } },
    });
    check(data !== undefined, `expected 200, got ${describe(response, error)}`);
    check(data.code === unit.code, `code is ${show(data.code)}, not ${show(unit.code)}`);
    check(data.name === unit.name, `name is ${show(data.name)}, not ${show(unit.name)}`);
    check(
      typeof data.level === "string" && Object.hasOwn(CURRENT_LEVELS, data.level),
      `level ${show(data.level)} is not one of ${Object.keys(CURRENT_LEVELS).join(", ")}`,
    );
    check(Array.isArray(data.recognitions), `recognitions is not an array: ${show(data.recognitions)}`);
    check(Array.isArray(data.sponsors), `sponsors is not an array: ${show(data.sponsors)}`);
    check(typeof data.at_risk === "boolean", `at_risk is not a boolean: ${show(data.at_risk)}`);
    info(
      `${data.name} ${data.code}: level ${data.level}, ${data.recognitions.length} recognition(s), ` +
        `${data.sponsors.length} sponsor(s), at_risk ${data.at_risk}, ` +
        `latest assessment ${data.latest_assessment ? "yes" : "none"}`,
    );
  });

  // d. Create an agency.
  await step("d. create: POST /api/v1/agencies", async () => {
    const input: NewAgency = {
      name: `Smoke test agency ${Date.now()}`,
      kind: "state",
      province_code: provinceCode,
      contact: null,
    };
    const { data, error, response } = await client.POST("/api/v1/agencies", { body: input });
    check(data !== undefined, `expected 201, got ${describe(response, error)}`);
    check(response.status === 201, `expected status 201, got ${response.status}`);
    check(Number.isInteger(data.id) && data.id > 0, `id is ${show(data.id)}, not a positive integer`);
    check(data.name === input.name, `name is ${show(data.name)}, not ${show(input.name)}`);
    check(data.kind === input.kind, `kind is ${show(data.kind)}, not ${show(input.kind)}`);
    check(data.province_code === provinceCode, `province_code is ${show(data.province_code)}`);
    check(typeof data.totals === "object" && data.totals !== null, `no totals: ${show(data)}`);
    info(`agency ${data.id}: ${data.name} (location ${response.headers.get("location") ?? "none"})`);

    const again = await client.GET("/api/v1/agencies/{id}", { params: { path: { id: data.id } } });
    check(again.data !== undefined, `GET /api/v1/agencies/${data.id}: ${describe(again.response, again.error)}`);
    check(again.data.name === input.name, `GET /api/v1/agencies/${data.id} has name ${show(again.data.name)}`);
  });

  // e. Validation problems (RFC 9457) from a query parameter and from a body.
  await step("e. 422 problems: GET /api/v1/provinces?per_page=0, POST /api/v1/agencies {name: \"\"}", async () => {
    const checkProblem = (label: string, response: Response, problem: Problem | undefined, field: string) => {
      check(response.status === 422, `${label}: expected 422, got ${describe(response, problem)}`);
      const type = response.headers.get("content-type") ?? "";
      check(
        type.split(";")[0]?.trim() === "application/problem+json",
        `${label}: content-type is ${show(type)}, not application/problem+json`,
      );
      check(problem !== undefined && typeof problem === "object", `${label}: no problem body`);
      check(problem.status === 422, `${label}: problem status is ${show(problem.status)}, not 422`);
      check(typeof problem.type === "string", `${label}: problem has no type: ${show(problem)}`);
      check(typeof problem.title === "string", `${label}: problem has no title: ${show(problem)}`);
      const errors = problem.errors;
      check(Array.isArray(errors) && errors.length > 0, `${label}: no errors array in ${show(problem)}`);
      for (const item of errors) {
        check(
          typeof item.field === "string" && typeof item.message === "string",
          `${label}: an errors item lacks field or message: ${show(item)}`,
        );
      }
      check(
        errors.some((item) => item.field === field),
        `${label}: no error for field ${show(field)} in ${show(errors)}`,
      );
      for (const item of errors) {
        // `code` is typed by the generated schema as the documented enum.
        const code: FieldError["code"] = item.code;
        check(typeof code === "string", `${label}: an errors item lacks its code: ${show(item)}`);
        info(`${label}: ${item.field}: ${item.message} (code ${code})`);
      }
    };

    const page = await client.GET("/api/v1/provinces", { params: { query: { per_page: 0 } } });
    check(page.data === undefined, `per_page=0: expected 422, got ${describe(page.response, page.data)}`);
    checkProblem("per_page=0", page.response, page.error, "per_page");

    const agency = await client.POST("/api/v1/agencies", { body: { name: "", kind: "other" } });
    check(agency.data === undefined, `empty name: expected 422, got ${describe(agency.response, agency.data)}`);
    checkProblem("empty name", agency.response, agency.error, "name");
  });

  // f. Conditional GET: ETag, then If-None-Match.
  await step(`f. 304: GET /api/v1/provinces/${provinceCode} with If-None-Match`, async () => {
    const path = { params: { path: { code: provinceCode } } };
    const first = await client.GET("/api/v1/provinces/{code}", path);
    check(first.data !== undefined, `expected 200, got ${describe(first.response, first.error)}`);
    const etag = first.response.headers.get("etag");
    check(etag !== null && etag.length > 0, "the 200 answer has no ETag header");
    info(`ETag ${etag}`);

    // A tag that does not match must still get the full answer.
    const stale = await client.GET("/api/v1/provinces/{code}", { ...path, headers: { "If-None-Match": '"ntm-smoke-stale"' } });
    check(
      stale.response.status === 200 && stale.data !== undefined && stale.data.code === provinceCode,
      `If-None-Match with a stale tag: expected 200 with the province, got ${describe(stale.response, stale.error)}`,
    );

    const again = await client.GET("/api/v1/provinces/{code}", { ...path, headers: { "If-None-Match": etag } });
    // openapi-fetch reads a non-2xx body as text, so an empty 304 body arrives as "" or undefined.
    const body: unknown = again.data ?? again.error;
    const problems: string[] = [];
    if (again.response.status !== 304) {
      problems.push(`expected 304 Not Modified, got ${describe(again.response, body)}`);
    } else {
      if (body !== undefined && body !== "") problems.push(`the 304 has a body: ${show(body)}`);
      const echoed = again.response.headers.get("etag");
      if (echoed !== etag) problems.push(`the 304 carries ETag ${show(echoed)}, not ${show(etag)}`);
    }
    if (problems.length === 0) {
      info("304 Not Modified, empty body, same ETag");
    } else if (expect304) {
      fail(`${problems.join("; ")} (set NTM_EXPECT_304=0 to only warn)`);
    } else {
      for (const problem of problems) console.log(`  WARNING (NTM_EXPECT_304=0): ${problem}`);
      return "warned";
    }
    return undefined;
  });

  console.log(warnings > 0 ? `all steps passed (${warnings} with a warning)` : "all steps passed");
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`smoke: ${error.message}\nusage: NTM_ADMIN_PASSWORD=… node dist/smoke.js [BASE_URL]`);
    process.exit(2);
  }
  if (error instanceof Failure) {
    console.error(`FAIL in step ${currentStep}: ${error.message}`);
  } else if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : "";
    console.error(`FAIL in step ${currentStep}: ${error.name}: ${error.message}${cause}`);
  } else {
    console.error(`FAIL in step ${currentStep}: ${String(error)}`);
  }
  process.exit(1);
});
