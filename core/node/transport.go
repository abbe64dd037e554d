package node

import "context"

// Request is one HTTP request made by the client.
//
// Header keys are sent as given; Body is sent as is (nil for GET).
type Request struct {
	Method string
	URL    string
	Header map[string]string
	Body   []byte
}

// Response is the answer to a [Request].
//
// Status is the HTTP status code. Header holds one value per header name;
// implementations should use canonical MIME header keys ("Content-Type").
// Body is the complete response body; implementations should refuse bodies
// larger than a few MiB instead of buffering them.
type Response struct {
	Status int
	Header map[string]string
	Body   []byte
}

// Transport performs HTTP requests for the client.
//
// Do must honour ctx cancellation and return an error only when no HTTP
// response was received (connection refused, timeout, CORS failure, ...);
// a non-2xx status is a Response, not an error. Do is called concurrently
// from several goroutines.
type Transport interface {
	Do(ctx context.Context, req Request) (Response, error)
}
