# Build stage: a release binary (SQLite and libpq are compiled in, nothing to install).
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY migrations ./migrations
COPY config ./config
COPY benches ./benches
RUN cargo build --release --locked --bin watchpost

# Runtime stage: non-root, config beside the binary's working directory, data in a volume.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home /app --shell /usr/sbin/nologin watchpost \
    && mkdir -p /app/data && chown -R watchpost /app
WORKDIR /app
COPY --from=build /src/target/release/watchpost /usr/local/bin/watchpost
COPY config ./config
ENV DATABASE_URL=sqlite:///app/data/watchpost.db \
    RUST_LOG=info
VOLUME ["/app/data"]
USER watchpost
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD curl -fsS "http://127.0.0.1:${PORT:-8000}/healthz" || exit 1
CMD ["sh", "-c", "WATCHPOST_BIND=0.0.0.0:${PORT:-8000} exec watchpost serve"]
