package widget

import (
	"net/http"

	"github.com/parley-chat/parley/hub/web/openapi"
)

// Routes is the contract of the visitor SDK's REST routes that Mount
// serves (the CORS preflight aside). TestOpenAPIRoutes (cmd/parley) fails
// when the two disagree.
func Routes() []openapi.Route {
	// The gate's answers (hub.Gate.Error's codes): the widget stays hidden
	// and the loader logs reason and detail.
	gate := map[int]any{http.StatusUnauthorized: gateResponse{}, http.StatusForbidden: gateResponse{}, http.StatusNotFound: gateResponse{}}
	return []openapi.Route{
		{Method: http.MethodGet, Path: "/api/v1/sdk/chat/config", Summary: "The widget's configuration for ?site=KEY on the calling origin",
			Auth: openapi.AuthNone, Response: configResponse{}, Answers: gate},
		{Method: http.MethodPost, Path: "/api/v1/sdk/visitors", Summary: "Begin or continue a visit; returns the visitor token",
			Auth: openapi.AuthNone, Request: startVisitorRequest{}, Response: startVisitorResponse{}},
		{Method: http.MethodPost, Path: "/api/v1/sdk/page", Summary: "Record the page the visitor is on",
			Auth: openapi.AuthVisitor, Request: pageRequest{}, Status: http.StatusNoContent},
		{Method: http.MethodPost, Path: "/api/v1/sdk/attachments", Summary: "Send a file as a message in the visitor's conversation",
			Auth: openapi.AuthVisitor, Upload: true, Status: http.StatusCreated, Response: uploadResponse{}},
	}
}
