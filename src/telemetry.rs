//! Logs and traces with `tracing`.
//!
//! - Logs: pretty on a terminal, JSON when `NTM_LOG_FORMAT=json`; the level from `RUST_LOG`
//!   (default `info`). Each request's span carries its request id (and, with traces on, its
//!   trace id), so every line logged while answering it names them.
//! - Traces (off unless an endpoint is configured): OpenTelemetry over OTLP/HTTP to
//!   `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or `OTEL_EXPORTER_OTLP_ENDPOINT` (the collector's
//!   base URL, e.g. `http://otel-collector:4318`), `OTEL_EXPORTER_OTLP_PROTOCOL`
//!   `http/protobuf` (default) or `http/json`, `OTEL_SERVICE_NAME` (default `ntm-api`). A
//!   span per request named `METHOD /route/{template}` with the status, child spans for the
//!   database queries (sea-orm's), and an incoming W3C `traceparent` continued. Plain HTTP:
//!   put TLS on the collector's side (a sidecar or the local collector). Spans are sent in
//!   batches from a background thread; what is pending is flushed when the process stops.
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::Level;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// Flushes and stops the trace exporter when dropped: keep it until the process ends.
#[must_use = "traces pending when it is dropped are flushed then"]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take() {
            if let Err(e) = provider.shutdown() {
                eprintln!("flushing traces failed: {e}");
            }
        }
    }
}

pub fn init(format: Option<&str>) -> Telemetry {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn"));
    let logs = if format == Some("json") {
        tracing_subscriber::fmt::layer()
            .json()
            .with_current_span(true)
            .with_filter(filter)
            .boxed()
    } else {
        tracing_subscriber::fmt::layer()
            .with_target(false)
            .with_filter(filter)
            .boxed()
    };
    let (traces, provider) = match otlp() {
        Ok(Some(provider)) => {
            let tracer = provider.tracer("ntm-api");
            // Requests and what runs in them at info; sea-orm's query spans are at trace.
            let spans = Targets::new()
                .with_default(Level::INFO)
                .with_target("sea_orm::driver", Level::TRACE)
                .with_target("sea_orm::database", Level::TRACE);
            let layer = tracing_opentelemetry::layer()
                .with_tracer(tracer)
                .with_filter(spans)
                .boxed();
            (Some(layer), Some(provider))
        }
        Ok(None) => (None, None),
        Err(e) => {
            eprintln!("traces are off: {e}");
            (None, None)
        }
    };
    // A second initialisation (tests) keeps the first subscriber.
    let _ = tracing_subscriber::registry()
        .with(logs)
        .with(traces)
        .try_init();
    Telemetry { provider }
}

/// The OTLP exporter, when an endpoint is configured.
fn otlp() -> Result<Option<SdkTracerProvider>, String> {
    let configured = |name: &str| std::env::var(name).is_ok_and(|v| !v.trim().is_empty());
    if !configured("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        && !configured("OTEL_EXPORTER_OTLP_ENDPOINT")
    {
        return Ok(None);
    }
    let protocol = match std::env::var("OTEL_EXPORTER_OTLP_PROTOCOL").as_deref() {
        Ok("http/json") => Protocol::HttpJson,
        Ok("http/protobuf") | Err(_) => Protocol::HttpBinary,
        Ok(other) => {
            return Err(format!(
                "OTEL_EXPORTER_OTLP_PROTOCOL={other}: this build speaks http/protobuf or http/json"
            ))
        }
    };
    // The endpoint is read from the standard variables by the exporter itself.
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(protocol)
        .build()
        .map_err(|e| format!("the OTLP exporter: {e}"))?;
    let service = std::env::var("OTEL_SERVICE_NAME").unwrap_or_else(|_| "ntm-api".into());
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(
            opentelemetry_sdk::Resource::builder()
                .with_service_name(service)
                .build(),
        )
        .build();
    opentelemetry::global::set_text_map_propagator(
        opentelemetry_sdk::propagation::TraceContextPropagator::new(),
    );
    opentelemetry::global::set_tracer_provider(provider.clone());
    Ok(Some(provider))
}
