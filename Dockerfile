# syntax=docker/dockerfile:1
# Build: docker build -t candor .
# Run:   docker run -p 8080:8080 -e REDIS_URL=redis://redis:6379 candor
# Without REDIS_URL the container starts an embedded Redis with demo data
# (state is lost at exit; for trying Candor only).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/candor ./cmd/candor

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/candor /candor
USER nonroot:nonroot
EXPOSE 8080
ENV CANDOR_ADDR=:8080 CANDOR_LOG_FORMAT=json
# REDIS_URL: redis://[user:password@]host:6379/0 (rediss:// for TLS)
ENTRYPOINT ["/candor"]
CMD ["serve"]
