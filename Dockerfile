# Build a static parley binary and run it on a small base image.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /parley ./cmd/parley

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /parley /parley
ENV PARLEY_ADDR=:8080 PARLEY_DATA_DIR=/data
EXPOSE 8080
ENTRYPOINT ["/parley"]
CMD ["serve"]
