package conformance

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/litgo/litsession/core/authsig"
	"github.com/litgo/litsession/core/bls"
	"github.com/litgo/litsession/core/e2ee"
	"github.com/litgo/litsession/core/envelope"
	"github.com/litgo/litsession/core/sessionkey"
	"github.com/litgo/litsession/core/siwe"
	"github.com/litgo/litsession/devnet"
)

// offsetClock is the wall clock moved forward by an offset, so that a test
// can let a devnet's time pass (Config.Now) after a real client ran.
type offsetClock struct{ offset atomic.Int64 }

func (c *offsetClock) Now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

func (c *offsetClock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// pkpSignRecord is one decrypted pkp/sign/v2 request as a node received it.
type pkpSignRecord struct {
	node      int
	requestID string
	body      []byte
}

// pkpSignRecorder keeps the decrypted pkp/sign/v2 requests the nodes
// receive, in front of the devnet's own handler.
type pkpSignRecorder struct {
	mu   sync.Mutex
	recs []pkpSignRecord
}

func (r *pkpSignRecorder) install(n *devnet.Network) {
	for i, nd := range n.Nodes {
		nd.HandleNaga(devnet.NagaPKPSignPath, func(nd *devnet.Node, req *http.Request, body []byte) (any, *devnet.NagaError) {
			r.mu.Lock()
			r.recs = append(r.recs, pkpSignRecord{node: i, requestID: req.Header.Get("X-Request-Id"), body: bytes.Clone(body)})
			r.mu.Unlock()
			return devnet.ServeNagaPKPSign(nd, req, body)
		})
	}
}

// firstRound returns the requests of the first pkpSign call (the first
// X-Request-Id), one per node, by node index; it fails unless every one of
// the nodes got exactly one.
func (r *pkpSignRecorder) firstRound(t *testing.T, nodes int) []pkpSignRecord {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.recs) == 0 {
		t.Fatal("the nodes received no pkp/sign request")
	}
	var out []pkpSignRecord
	for _, rec := range r.recs {
		if rec.requestID == r.recs[0].requestID {
			out = append(out, rec)
		}
	}
	slices.SortFunc(out, func(a, b pkpSignRecord) int { return a.node - b.node })
	if len(out) != nodes {
		t.Fatalf("the first pkpSign call reached %d nodes, want all %d", len(out), nodes)
	}
	for i, rec := range out {
		if rec.node != i {
			t.Fatalf("the first pkpSign call reached nodes %v, want each of the %d once", out, nodes)
		}
	}
	return out
}

// nagaAnswer is a node's answer to one /v2 request: the opened envelope if
// it was sealed, else the plain body.
type nagaAnswer struct {
	status      int
	sealed      bool
	ok          bool
	errMsg      string
	errorObject string
	data        json.RawMessage
	plain       string
}

func (a nagaAnswer) String() string {
	if a.sealed {
		return fmt.Sprintf("%d sealed ok=%v error=%q errorObject=%q data=%s", a.status, a.ok, a.errMsg, a.errorObject, a.data)
	}
	return fmt.Sprintf("%d plain %s", a.status, a.plain)
}

// postNaga seals body with a fresh client key pair to sealTo (a node's
// nodeIdentityKey), dated now, as the official client does, and POSTs it to
// url with a fresh X-Request-Id; a sealed answer is opened with the same
// key pair.
func postNaga(t *testing.T, url string, sealTo [e2ee.KeySize]byte, epoch uint64, body []byte, now time.Time) nagaAnswer {
	t.Helper()
	kp, err := e2ee.GenerateKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	ch, err := e2ee.NewChannel(kp, sealTo)
	if err != nil {
		t.Fatal(err)
	}
	random, err := e2ee.NewRandom()
	if err != nil {
		t.Fatal(err)
	}
	p, err := ch.Seal(body, random, now)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(e2ee.Request{Payload: p, Epoch: epoch}.JSON()))
	if err != nil {
		t.Fatal(err)
	}
	var id [8]byte
	rand.Read(id[:])
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Request-Id", fmt.Sprintf("lit_%d_%x", time.Now().UnixMilli(), id))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := nagaAnswer{status: resp.StatusCode, plain: string(raw)}
	sealed, err := e2ee.ParseResponse(raw)
	if err != nil {
		return a
	}
	plain, err := ch.Open(sealed, e2ee.Freshness{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatalf("%s answered a sealed body the client cannot open: %v", url, err)
	}
	var env struct {
		OK          *bool           `json:"ok"`
		Error       *string         `json:"error"`
		ErrorObject *string         `json:"errorObject"`
		Data        json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(plain, &env); err != nil || env.OK == nil {
		t.Fatalf("%s: the opened answer is not {ok,error,errorObject,data}: %v: %s", url, err, plain)
	}
	a.sealed, a.ok, a.data = true, *env.OK, env.Data
	if env.Error != nil {
		a.errMsg = *env.Error
	}
	if env.ErrorObject != nil {
		a.errorObject = *env.ErrorObject
	}
	return a
}

// nodeIdentityKey asks node url for its handshake and returns its
// nodeIdentityKey.
func nodeIdentityKey(t *testing.T, url string, epoch uint64) [e2ee.KeySize]byte {
	t.Helper()
	body := fmt.Sprintf(`{"clientPublicKey":"test","challenge":"%s","epoch":%d}`, strings.Repeat("ab", 32), epoch)
	resp, err := http.Post(url+"/web/handshake/", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var hs struct {
		OK   bool `json:"ok"`
		Data struct {
			NodeIdentityKey string `json:"nodeIdentityKey"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&hs); err != nil || !hs.OK {
		t.Fatalf("handshake with %s: %v (ok %v)", url, err, hs.OK)
	}
	var key [e2ee.KeySize]byte
	if b, err := hex.DecodeString(hs.Data.NodeIdentityKey); err != nil || len(b) != e2ee.KeySize {
		t.Fatalf("%s: nodeIdentityKey %q is not 64 hex digits", url, hs.Data.NodeIdentityKey)
	} else {
		copy(key[:], b)
	}
	return key
}

// withAuthSig returns the pkp/sign body with authSig replaced.
func withAuthSig(t *testing.T, body []byte, sig authsig.AuthSig) []byte {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(sig)
	if err != nil {
		t.Fatal(err)
	}
	m["authSig"] = b
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// setTemplateField sets the string member name of a session template
// (signedMessage) to value, keeping every other byte.
func setTemplateField(t *testing.T, template, name, value string) string {
	t.Helper()
	re := regexp.MustCompile(`"` + regexp.QuoteMeta(name) + `":"[^"]*"`)
	if n := len(re.FindAllStringIndex(template, -1)); n != 1 {
		t.Fatalf("the session template has %d %q members, want 1: %s", n, name, template)
	}
	return re.ReplaceAllLiteralString(template, `"`+name+`":"`+value+`"`)
}

// resign signs template with the session key, as the client signs a
// session signature.
func resign(sig authsig.AuthSig, key *sessionkey.KeyPair, template string) authsig.AuthSig {
	sig.SignedMessage = template
	sig.Sig = hex.EncodeToString(key.Sign([]byte(template)))
	return sig
}

// jsTime is a time as the SDK writes session template times.
func jsTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// nagaRefusals replays the official client's own first pkpSign round
// (recs: the decrypted pkp/sign/v2 bodies, one per node) against the
// devnet, each request sealed anew to the node's nodeIdentityKey from a
// fresh handshake, with a fresh client key pair and X-Request-Id:
//
//   - unchanged, it is accepted: 200 and a signature share of the digest;
//   - a session sig with one digit of its Ed25519 signature changed, one
//     presented at another node, one re-signed (with the client's session
//     key, from its envelope) with a maxPrice 1 wei below the node's sign
//     price, one whose LIT_BLS delegation is re-signed under another
//     network key, and, once the devnet clock has passed the delegation's
//     Expiration Time, one re-signed for the new time: each is refused
//     with a non-2xx status and a sealed {ok:false} naming the rule;
//   - the same session re-signed with maxPrice exactly the price is
//     accepted, so the re-signing alone does not cause a refusal;
//   - a request sealed to another node's key is refused before it is
//     opened: 400 and a plain NodeE2EEDecryptionFailed.
func nagaRefusals(t *testing.T, n *devnet.Network, clock *offsetClock, recs []pkpSignRecord, run nagaRun) {
	epoch := n.Epoch()
	keys := make([][e2ee.KeySize]byte, len(n.Nodes))
	for i, u := range n.NodeURLs {
		keys[i] = nodeIdentityKey(t, u, epoch)
	}
	env, err := envelope.Decode([]byte(run.Steps["envelope"].Envelope))
	if err != nil {
		t.Fatal(err)
	}
	sessionKey := env.SessionKeyPair
	type signBody struct {
		ToSign  []int           `json:"toSign"`
		AuthSig authsig.AuthSig `json:"authSig"`
	}
	bodies := make([]signBody, len(recs))
	for i, rec := range recs {
		if err := json.Unmarshal(rec.body, &bodies[i]); err != nil {
			t.Fatalf("node %d: the client's pkp/sign body: %v", i, err)
		}
		if bodies[i].AuthSig.Address != sessionKey.PublicKeyHex() {
			t.Fatalf("node %d: the client's session sig is signed by %s, not the envelope's session key %s", i, bodies[i].AuthSig.Address, sessionKey.PublicKeyHex())
		}
	}
	var wantDigest strings.Builder
	for _, v := range bodies[0].ToSign {
		fmt.Fprintf(&wantDigest, "%02x", v)
	}

	// accepted checks a 200 with a share of the client's digest.
	accepted := func(name string, a nagaAnswer) {
		t.Helper()
		var data struct {
			Success        bool `json:"success"`
			SignatureShare struct {
				EcdsaSignedMessageShare struct {
					Digest         string `json:"digest"`
					SignatureShare string `json:"signature_share"`
				} `json:"EcdsaSignedMessageShare"`
			} `json:"signatureShare"`
		}
		if a.status != http.StatusOK || !a.sealed || !a.ok {
			t.Errorf("%s: want 200 and a sealed ok:true, got %v", name, a)
			return
		}
		err := json.Unmarshal(a.data, &data)
		share := data.SignatureShare.EcdsaSignedMessageShare
		if err != nil || !data.Success || share.SignatureShare == "" || share.Digest != wantDigest.String() {
			t.Errorf("%s: the answer is not a share of %s: %v %s", name, wantDigest.String(), err, a.data)
		}
	}
	// refused checks a non-2xx status with a sealed ok:false naming the rule.
	refused := func(name string, a nagaAnswer, status int, want string) {
		t.Helper()
		t.Logf("%s: %v", name, a)
		if a.status != status || !a.sealed || a.ok || a.data != nil && string(a.data) != "null" || !strings.Contains(a.errMsg, want) {
			t.Errorf("%s: want %d and a sealed ok:false saying %q, got %v", name, status, want, a)
		}
	}
	post := func(node, sealTo int, body []byte) nagaAnswer {
		t.Helper()
		return postNaga(t, n.NodeURLs[node]+devnet.NagaPKPSignPath, keys[sealTo], epoch, body, clock.Now())
	}

	for i, rec := range recs {
		accepted(fmt.Sprintf("node %d, the client's request", i), post(i, i, rec.body))
	}

	// A changed digit of the Ed25519 signature.
	tampered := bodies[0].AuthSig
	digit := "0"
	if tampered.Sig[10] == '0' {
		digit = "1"
	}
	tampered.Sig = tampered.Sig[:10] + digit + tampered.Sig[11:]
	refused("a tampered session sig", post(0, 0, withAuthSig(t, recs[0].body, tampered)), http.StatusUnauthorized, "Ed25519 signature does not verify")

	// Node 0's request, with its session sig, at node 1.
	refused("node 0's session sig at node 1", post(1, 1, recs[0].body), http.StatusUnauthorized, "signed for node "+`"`+n.NodeURLs[0]+`"`)

	// maxPrice at and just below the price.
	price := n.Nodes[0].Price(devnet.ProductSign)
	at := resign(bodies[0].AuthSig, sessionKey, setTemplateField(t, bodies[0].AuthSig.SignedMessage, "maxPrice", "0x"+price.Text(16)))
	accepted("maxPrice = the node's price, re-signed", post(0, 0, withAuthSig(t, recs[0].body, at)))
	below := new(big.Int).Sub(price, big.NewInt(1))
	cheap := resign(bodies[0].AuthSig, sessionKey, setTemplateField(t, bodies[0].AuthSig.SignedMessage, "maxPrice", "0x"+below.Text(16)))
	refused("maxPrice 1 wei below the price", post(0, 0, withAuthSig(t, recs[0].body, cheap)), http.StatusUnauthorized,
		fmt.Sprintf("maxPrice %s wei is below this node's sign price %s wei", below, price))

	// The delegation re-signed under another network key.
	var template struct {
		Capabilities []authsig.AuthSig `json:"capabilities"`
	}
	if err := json.Unmarshal([]byte(bodies[0].AuthSig.SignedMessage), &template); err != nil || len(template.Capabilities) == 0 {
		t.Fatalf("the session template has no capabilities: %v", err)
	}
	deleg := template.Capabilities[len(template.Capabilities)-1]
	if deleg.Algo != "LIT_BLS" {
		t.Fatalf("the session's delegation is %q, want LIT_BLS", deleg.Algo)
	}
	oldSig, err := bls.ParseProofOfPossession(deleg.Sig)
	if err != nil {
		t.Fatal(err)
	}
	otherKey, err := bls.GenerateSecretKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	digest := bls.SessionDigest(deleg.SignedMessage)
	newSig := bls.Sign(otherKey, digest[:])
	if err := bls.VerifySession(bls.PublicKeyFromSecret(otherKey), `{"ProofOfPossession":"`+hex.EncodeToString(newSig)+`"}`, deleg.SignedMessage); err != nil {
		t.Fatalf("the re-signed delegation does not verify under its own key: %v", err)
	}
	oldHex := hex.EncodeToString(oldSig)
	if strings.Count(strings.ToLower(bodies[0].AuthSig.SignedMessage), oldHex) != 1 {
		t.Fatalf("the delegation's signature %s is not once in the session template", oldHex)
	}
	i := strings.Index(strings.ToLower(bodies[0].AuthSig.SignedMessage), oldHex)
	otherNet := bodies[0].AuthSig.SignedMessage[:i] + hex.EncodeToString(newSig) + bodies[0].AuthSig.SignedMessage[i+len(oldHex):]
	refused("a delegation under another network key", post(0, 0, withAuthSig(t, recs[0].body, resign(bodies[0].AuthSig, sessionKey, otherNet))),
		http.StatusUnauthorized, "LIT_BLS signature does not verify under the network public key")

	// Sealed to node 1's key, sent to node 0: not opened, so not sealed.
	a := post(0, 1, recs[0].body)
	t.Logf("sealed to another node's key: %v", a)
	if a.status != http.StatusBadRequest || a.sealed || !strings.Contains(a.plain, "NodeE2EEDecryptionFailed") {
		t.Errorf("a request sealed to another node's key: want 400 and a plain NodeE2EEDecryptionFailed, got %v", a)
	}

	// The delegation expired: the devnet's clock passes its Expiration
	// Time, and the session sig is re-signed for the new time.
	msg, err := siwe.Parse(deleg.SignedMessage)
	if err != nil {
		t.Fatal(err)
	}
	exp, ok := msg.Expiration()
	if !ok {
		t.Fatal("the delegation has no Expiration Time")
	}
	clock.Advance(exp.Sub(clock.Now()) + time.Minute)
	now := clock.Now()
	late := setTemplateField(t, bodies[0].AuthSig.SignedMessage, "issuedAt", jsTime(now.Add(-time.Minute)))
	late = setTemplateField(t, late, "expiration", jsTime(now.Add(10*time.Minute)))
	refused("an expired delegation", post(0, 0, withAuthSig(t, recs[0].body, resign(bodies[0].AuthSig, sessionKey, late))),
		http.StatusUnauthorized, "expired at "+exp.UTC().Format(time.RFC3339Nano))
}
