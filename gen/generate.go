package gen

//go:generate go run github.com/mjhook/mjhook/tools/mjhook-gen -spec ../spec/asyncapi.yaml -out . -router event
