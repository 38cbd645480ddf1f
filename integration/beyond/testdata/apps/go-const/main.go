// go-const: a Go sample whose breakpoint line assigns a constant. Optimized
// code folds `answer := 42` away, so only an unoptimized build
// (-gcflags=all=-N -l) has a statement on that line to stop at. version is
// set with -ldflags -X by tests that check the user's own flags survive.
package main

import (
	"fmt"
	"log"
	"net/http"
	"os"
)

var version = "dev"

func answer(w http.ResponseWriter, r *http.Request) {
	answer := 42 // BREAKPOINT go-const
	fmt.Fprintf(w, "answer=%d version=%s\n", answer, version)
}

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	http.HandleFunc("/", answer)
	log.Printf("go-const listening on :%s", port)
	log.Fatal(http.ListenAndServe(":"+port, nil))
}
