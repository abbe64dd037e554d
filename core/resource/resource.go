// Package resource holds Lit resources and abilities: the four resource kinds,
// their keys ("<prefix>://<id>"), which abilities each kind accepts, and the
// ReCap namespace/ability each Lit ability maps to.
package resource

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/litgo/litsession/core/internal/ascii"
	"github.com/litgo/litsession/core/jsjson"
)

// Prefix names a kind of Lit resource.
type Prefix string

// The four Lit resource kinds of the v7 protocol.
const (
	AccessControlCondition Prefix = "lit-accesscontrolcondition"
	PKP                    Prefix = "lit-pkp"
	RateLimitIncrease      Prefix = "lit-ratelimitincrease"
	LitAction              Prefix = "lit-litaction"
)

// Ability is what a session may do with a resource.
type Ability string

// The Lit abilities.
const (
	AccessControlConditionDecryption Ability = "access-control-condition-decryption"
	AccessControlConditionSigning    Ability = "access-control-condition-signing"
	PKPSigning                       Ability = "pkp-signing"
	RateLimitIncreaseAuth            Ability = "rate-limit-increase-auth"
	LitActionExecution               Ability = "lit-action-execution"
)

// Wildcard is the resource id that stands for every resource of a kind.
const Wildcard = "*"

var abilities = map[Prefix][]Ability{
	AccessControlCondition: {AccessControlConditionDecryption, AccessControlConditionSigning},
	PKP:                    {PKPSigning},
	RateLimitIncrease:      {RateLimitIncreaseAuth},
	LitAction:              {LitActionExecution},
}

// Prefixes lists the resource kinds in a stable order.
func Prefixes() []Prefix {
	return []Prefix{AccessControlCondition, PKP, RateLimitIncrease, LitAction}
}

// Abilities returns the abilities valid for a resource kind.
func (p Prefix) Abilities() []Ability { return append([]Ability(nil), abilities[p]...) }

// Valid reports whether p is one of the four Lit resource kinds.
func (p Prefix) Valid() bool { _, ok := abilities[p]; return ok }

// Recap returns the ReCap namespace and ability name of a Lit ability:
// Threshold/Decryption, Threshold/Signing, Threshold/Execution or Auth/Auth.
func (a Ability) Recap() (namespace, name string, err error) {
	switch a {
	case AccessControlConditionDecryption:
		return "Threshold", "Decryption", nil
	case AccessControlConditionSigning, PKPSigning:
		return "Threshold", "Signing", nil
	case LitActionExecution:
		return "Threshold", "Execution", nil
	case RateLimitIncreaseAuth:
		return "Auth", "Auth", nil
	}
	return "", "", fmt.Errorf("resource: unknown Lit ability %q (want one of %s)", string(a), strings.Join(allAbilities(), ", "))
}

// RecapAbility returns "<namespace>/<name>" for a Lit ability.
func (a Ability) RecapAbility() (string, error) {
	ns, name, err := a.Recap()
	if err != nil {
		return "", err
	}
	return ns + "/" + name, nil
}

func allAbilities() []string {
	var out []string
	for _, p := range Prefixes() {
		for _, a := range abilities[p] {
			out = append(out, string(a))
		}
	}
	return out
}

// InvalidPairError reports an ability used with a resource kind that does not
// accept it.
type InvalidPairError struct {
	Prefix  Prefix
	Ability Ability
}

func (e *InvalidPairError) Error() string {
	valid := abilities[e.Prefix]
	names := make([]string, len(valid))
	for i, a := range valid {
		names[i] = string(a)
	}
	return fmt.Sprintf("resource: %s resources do not support ability %q; use %s", e.Prefix, string(e.Ability), strings.Join(names, " or "))
}

// CheckPair returns an error unless ability is valid for resources of kind p.
func CheckPair(p Prefix, a Ability) error {
	valid, ok := abilities[p]
	if !ok {
		return unknownPrefix(string(p))
	}
	for _, v := range valid {
		if v == a {
			return nil
		}
	}
	if _, _, err := a.Recap(); err != nil {
		return err
	}
	return &InvalidPairError{Prefix: p, Ability: a}
}

func unknownPrefix(p string) error {
	return fmt.Errorf("resource: unknown resource prefix %q (want lit-accesscontrolcondition, lit-pkp, lit-ratelimitincrease or lit-litaction)", p)
}

// Resource is one Lit resource. Its JSON form is the official SDK's
// {"resource":"<id>","resourcePrefix":"<prefix>"}.
type Resource struct {
	ID     string `json:"resource"`
	Prefix Prefix `json:"resourcePrefix"`
}

// New returns the resource of kind p with the given id. PKP ids are
// normalized as the official SDK does: a leading "0x" is dropped, an all-hex
// id is left-padded with zeros to 64 characters (case kept), "*" and non-hex
// ids stay as they are, and ids longer than 64 characters are an error.
func New(p Prefix, id string) (Resource, error) {
	if !p.Valid() {
		return Resource{}, unknownPrefix(string(p))
	}
	if p == PKP {
		var err error
		if id, err = NormalizePKPID(id); err != nil {
			return Resource{}, err
		}
	}
	return Resource{ID: id, Prefix: p}, nil
}

// NormalizePKPID applies the official PKP token id normalization.
func NormalizePKPID(id string) (string, error) {
	id = strings.TrimPrefix(id, "0x")
	if len(id) > 64 {
		return "", fmt.Errorf("resource: PKP id %q is longer than 64 hex characters (32 bytes); pass the PKP token id", id)
	}
	if id != Wildcard && ascii.IsHex(id) {
		id = strings.Repeat("0", 64-len(id)) + id
	}
	return id, nil
}

// Key returns "<prefix>://<id>".
func (r Resource) Key() string { return string(r.Prefix) + "://" + r.ID }

// String returns the resource key.
func (r Resource) String() string { return r.Key() }

// WildcardKey returns "<prefix>://*".
func (r Resource) WildcardKey() string { return string(r.Prefix) + "://" + Wildcard }

// IsWildcard reports whether the resource stands for every resource of its kind.
func (r Resource) IsWildcard() bool { return r.ID == Wildcard }

// ParseKey parses "<prefix>://<id>" into a Resource.
func ParseKey(key string) (Resource, error) {
	prefix, id, ok := strings.Cut(key, "://")
	if !ok {
		return Resource{}, fmt.Errorf("resource: %q is not a resource key of the form <prefix>://<id>", key)
	}
	return New(Prefix(prefix), id)
}

// UnmarshalJSON accepts the official {"resource","resourcePrefix"} object and
// normalizes it like New. Keys match exactly, as in JavaScript; other
// members are ignored.
func (r *Resource) UnmarshalJSON(b []byte) error {
	v, err := jsjson.Parse(b)
	if err != nil {
		return fmt.Errorf("resource: want an object {resource, resourcePrefix}: %v", err)
	}
	res, err := ResourceFromJSON(v)
	if err != nil {
		return err
	}
	*r = res
	return nil
}

// ResourceFromJSON reads a parsed {"resource","resourcePrefix"} object and
// normalizes it like New.
func ResourceFromJSON(v jsjson.Value) (Resource, error) {
	// null reads as {}, as encoding/json unmarshals it into the struct.
	if _, ok := v.Members(); !ok && !v.IsNull() {
		return Resource{}, fmt.Errorf("resource: want an object {resource, resourcePrefix}, got %s", v.Kind())
	}
	prefix, id := v.Get("resourcePrefix"), v.Get("resource")
	if !prefix.Exists() || prefix.IsNull() {
		return Resource{}, errors.New("resource: resourcePrefix is missing (e.g. \"lit-pkp\")")
	}
	if !id.Exists() || id.IsNull() {
		return Resource{}, errors.New("resource: resource (the id, or \"*\") is missing")
	}
	p, ok := prefix.Str()
	if !ok {
		return Resource{}, fmt.Errorf("resource: resourcePrefix must be a string, got %s", prefix.Kind())
	}
	s, ok := id.Str()
	if !ok {
		return Resource{}, fmt.Errorf("resource: resource (the id) must be a string, got %s", id.Kind())
	}
	return New(Prefix(p), s)
}

// JSON returns the official form {"resource":"<id>","resourcePrefix":"<prefix>"}.
func (r Resource) JSON() []byte {
	var o jsjson.Object
	o.String("resource", r.ID)
	o.String("resourcePrefix", string(r.Prefix))
	b, _ := o.Bytes() // strings cannot fail
	return b
}

// Request asks for one ability on one resource, with optional ReCap
// nota-bene data. Its JSON form is the official
// {"resource":{…},"ability":"…"[,"data":{…}]}.
type Request struct {
	Resource Resource       `json:"resource"`
	Ability  Ability        `json:"ability"`
	Data     map[string]any `json:"data,omitempty"`
}

// JSON returns the official form
// {"resource":{"resource","resourcePrefix"},"ability":"…"[,"data":{…}]},
// byte for byte what encoding/json writes for a Request (data omitted when
// empty, its keys sorted), with strings quoted as JSON.stringify quotes
// them. It fails when Data holds a value jsjson.Marshal cannot write.
func (q Request) JSON() ([]byte, error) {
	var o jsjson.Object
	o.Raw("resource", q.Resource.JSON())
	o.String("ability", string(q.Ability))
	if len(q.Data) > 0 {
		o.Value("data", q.Data)
	}
	return o.Bytes()
}

// RequestFromJSON reads a parsed request object
// {"resource":{"resource","resourcePrefix"},"ability":"…"[,"data":{…}]}
// as encoding/json decodes it into a Request: data numbers become
// float64s, a null or absent member leaves the field empty, other members
// are ignored. Keys match exactly. The request is not checked (see Check).
func RequestFromJSON(v jsjson.Value) (Request, error) {
	if _, ok := v.Members(); !ok {
		return Request{}, fmt.Errorf("resource: a request must be an object {resource, ability}, got %s", v.Kind())
	}
	var q Request
	if res := v.Get("resource"); res.Exists() {
		r, err := ResourceFromJSON(res)
		if err != nil {
			return Request{}, err
		}
		q.Resource = r
	}
	if a := v.Get("ability"); a.Exists() && !a.IsNull() {
		s, ok := a.Str()
		if !ok {
			return Request{}, fmt.Errorf("resource: ability must be a string, got %s", a.Kind())
		}
		q.Ability = Ability(s)
	}
	if d := v.Get("data"); d.Exists() && !d.IsNull() {
		if _, ok := d.Members(); !ok {
			return Request{}, fmt.Errorf("resource: data must be an object, got %s", d.Kind())
		}
		data, err := d.Any()
		if err != nil {
			return Request{}, fmt.Errorf("resource: data: %v", err)
		}
		q.Data = data.(map[string]any)
	}
	return q, nil
}

// RequestsFromJSON reads an array of request objects (see RequestFromJSON).
func RequestsFromJSON(v jsjson.Value) ([]Request, error) {
	items, ok := v.Items()
	if !ok {
		return nil, fmt.Errorf("resource: requests must be an array, got %s", v.Kind())
	}
	out := make([]Request, len(items))
	for i, it := range items {
		q, err := RequestFromJSON(it)
		if err != nil {
			return nil, fmt.Errorf("request %d: %w", i, err)
		}
		out[i] = q
	}
	return out, nil
}

// Check returns an error unless the ability is valid for the resource.
func (q Request) Check() error { return CheckPair(q.Resource.Prefix, q.Ability) }

// NewRequest builds and checks a request.
func NewRequest(p Prefix, id string, a Ability) (Request, error) {
	res, err := New(p, id)
	if err != nil {
		return Request{}, err
	}
	q := Request{Resource: res, Ability: a}
	return q, q.Check()
}

// ParseFlag parses the CLI form "<prefix>://<id>=<ability>".
func ParseFlag(s string) (Request, error) {
	i := strings.LastIndex(s, "=")
	if i < 0 {
		return Request{}, fmt.Errorf("resource: %q is not of the form PREFIX://ID=ABILITY (e.g. lit-pkp://*=pkp-signing)", s)
	}
	res, err := ParseKey(s[:i])
	if err != nil {
		return Request{}, err
	}
	q := Request{Resource: res, Ability: Ability(s[i+1:])}
	return q, q.Check()
}

// SortedKeys returns the map's keys in sorted order.
func SortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Sort(sort.StringSlice(keys)) // not sort.Strings: that is slices.Sort, another copy of the algorithm
	return keys
}
