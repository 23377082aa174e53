module github.com/mjhook/mjhook/internal/peers

go 1.26.0

replace github.com/mjhook/mjhook => ../..

require (
	github.com/go-playground/webhooks/v6 v6.4.0
	github.com/google/go-github/v75 v75.0.0
	github.com/mjhook/mjhook v0.0.0-00010101000000-000000000000
	github.com/standard-webhooks/standard-webhooks/libraries v0.0.1
	github.com/stripe/stripe-go/v82 v82.5.1
)

require (
	github.com/google/go-querystring v1.1.0 // indirect
	github.com/lerenn/asyncapi-codegen v0.46.3 // indirect
	github.com/santhosh-tekuri/jsonschema/v5 v5.3.1 // indirect
)
