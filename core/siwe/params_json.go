package siwe

import (
	"github.com/litgo/litsession/core/jsjson"
	"github.com/litgo/litsession/core/resource"
)

// ParamsFromJSON reads createSiweMessageWithRecaps' params object {uri,
// expiration, resources, walletAddress, nonce, domain, statement,
// chainId}. Absent and null members are zero, unknown members are ignored;
// the values are checked by CreateWithRecaps. Every error is a
// *jsjson.FieldError (code invalid_params) naming the member.
func ParamsFromJSON(v jsjson.Value) (Params, error) {
	f := jsjson.NewFields(v, "createSiweMessageWithRecaps")
	p := Params{
		URI:        f.String("uri"),
		Expiration: f.String("expiration"),
		Address:    f.String("walletAddress"),
		Nonce:      f.String("nonce"),
		Domain:     f.String("domain"),
		Statement:  f.OptString("statement"),
		ChainID:    f.Int("chainId"),
	}
	if rs := f.Get("resources"); rs.Exists() {
		reqs, err := resource.RequestsFromJSON(rs)
		if err != nil {
			f.FailErr(err, "resources: %v", err)
		}
		p.Resources = reqs
	}
	if err := f.Err(); err != nil {
		return Params{}, err
	}
	return p, nil
}
