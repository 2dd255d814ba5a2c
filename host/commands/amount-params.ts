// Parameter parsers for amounts and recurrence, shared by offer,
// invoicerequest and offerout. The text CLN parses is the raw token: a number
// token's text, or a string token's contents (`1000` and "1000" are the same).
import { AmountSyntaxError, parseOfferAmount, type OfferAmount } from '../grammar/currency-amount.js';
import { parseAmountMsat } from '../grammar/msat.js';
import {
  parseRecurrence,
  parseRecurrenceBase,
  parseRecurrencePaywindow,
  RecurrenceSyntaxError,
  type Recurrence,
  type RecurrenceBase,
  type RecurrencePaywindow,
} from '../grammar/recurrence.js';
import { rawText, type JsonNode } from '../rpc/json-scan.js';
import { bad, type ParamParser } from '../rpc/params.js';

/** Longest amount / recurrence text we look at (anything longer is not valid anyway). */
const MAX_GRAMMAR_TEXT = 64;

function tokenText(tok: JsonNode): string | undefined {
  if (tok.type === 'number') return rawText(tok);
  // CLN reads the raw bytes between the quotes, escapes included.
  if (tok.type === 'string') return rawText(tok).slice(1, -1);
  return undefined;
}

function grammarText(tok: JsonNode, name: string, reason: string): string {
  const t = tokenText(tok);
  if (t === undefined || t.length > MAX_GRAMMAR_TEXT) return bad(name, reason, tok);
  return t;
}

/** CLN param_msat: "should be a millisatoshi amount". */
export const pMsat: ParamParser<bigint> = (tok, name) => {
  const reason = 'should be a millisatoshi amount';
  return parseAmountMsat(grammarText(tok, name, reason)) ?? bad(name, reason, tok);
};

/** offer's amount: `any`, msat, or <number>[.<minor>]<ISO 4217>. */
export const pOfferAmount: ParamParser<OfferAmount> = (tok, name) => {
  const text = grammarText(tok, name, "should be 'any', msatoshis or <amount>[.<amount>]<ISO-4217>");
  try {
    return parseOfferAmount(text);
  } catch (e) {
    if (e instanceof AmountSyntaxError) return bad(name, e.reason, tok);
    throw e;
  }
};

/** offerout's amount: `any` or msat, no currencies (CLN param_msat_or_any). */
export const pMsatOrAny: ParamParser<bigint | 'any'> = (tok, name) => {
  const reason = "should be 'any' or msatoshis";
  const text = grammarText(tok, name, reason);
  if (text === 'any') return 'any';
  return parseAmountMsat(text) ?? bad(name, reason, tok);
};

function grammar<T>(parse: (s: string) => T, reasonIfNotText: string): ParamParser<T> {
  return (tok, name) => {
    const text = grammarText(tok, name, reasonIfNotText);
    try {
      return parse(text);
    } catch (e) {
      if (e instanceof RecurrenceSyntaxError) return bad(name, e.reason, tok);
      throw e;
    }
  };
}

export const pRecurrence: ParamParser<Recurrence> = grammar(parseRecurrence, 'not a valid time');
export const pRecurrenceBase: ParamParser<RecurrenceBase> = grammar(parseRecurrenceBase, 'not a valid basetime or @basetime');
export const pRecurrencePaywindow: ParamParser<RecurrencePaywindow> = grammar(parseRecurrencePaywindow, 'expected -time+time[%]');
