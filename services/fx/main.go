// fx converts amounts between currencies with price's quotes.
//
//	GET /convert?amount=120.5&from=EUR&to=CHF -> {"amount":120.5,"from":"EUR","to":"CHF","rate":0.964286,"result":116.2}
//	GET /                                       -> {"service":"fx","version":"fx v1"}
//	GET /healthz                                -> process liveness only
//
// Standard library only: the image builds with Debian's Go and nothing from the module proxy.
package main

import (
	"encoding/json"
	"fmt"
	"log"
	"math"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

const version = "fx v1"

var client = &http.Client{Timeout: 5 * time.Second}

// conversion is what /convert answers.
type conversion struct {
	Amount float64 `json:"amount"`
	From   string  `json:"from"`
	To     string  `json:"to"`
	Rate   float64 `json:"rate"`
	Result float64 `json:"result"`
}

func reply(w http.ResponseWriter, status int, body interface{}) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// quote asks price for the rate of one currency in its quote currency.
func quote(ccy string) (float64, error) {
	resp, err := client.Get(os.Getenv("PRICE_URL") + "/price/" + url.PathEscape(ccy))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var q struct {
		Rate  float64 `json:"rate"`
		Error string  `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&q); err != nil {
		return 0, fmt.Errorf("price answered %s: %w", resp.Status, err)
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("price: %s", q.Error)
	}
	return q.Rate, nil
}

func convert(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	from, to := strings.ToUpper(q.Get("from")), strings.ToUpper(q.Get("to"))
	amount, err := strconv.ParseFloat(q.Get("amount"), 64)
	if err != nil {
		reply(w, http.StatusBadRequest, map[string]string{"error": "amount: not a number"})
		return
	}
	fromRate, err := quote(from)
	if err == nil {
		var toRate float64
		toRate, err = quote(to)
		if err == nil {
			rate := math.Round(fromRate/toRate*1e6) / 1e6
			result := math.Round(amount*rate*100) / 100
			reply(w, http.StatusOK, conversion{Amount: amount, From: from, To: to, Rate: rate, Result: result})
			return
		}
	}
	reply(w, http.StatusBadGateway, map[string]string{"service": "fx", "error": err.Error()})
}

func main() {
	http.HandleFunc("/convert", convert)
	http.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		reply(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			reply(w, http.StatusNotFound, map[string]string{"error": "not found"})
			return
		}
		reply(w, http.StatusOK, map[string]string{"service": "fx", "version": version})
	})
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	log.Printf("%s listening on :%s", version, port)
	log.Fatal(http.ListenAndServe(":"+port, nil))
}
