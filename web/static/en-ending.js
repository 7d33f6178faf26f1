// The ending's strings (ending.js): a phone loads them only when the game has ended.
export default {
  "summary.heading": "How the game went",
  "summary.round": "Round {round}",
  "summary.support": "Behind the decision: yes {yes} · partly {partly} · no {no}",
  "summary.noDecision": "No decision recorded.",
  "summary.recognised": "Recognised:",
  "summary.recognition": "{title}: {right} of {of} guessed it right",
  "summary.recognisedBy": "recognised by {right} of the {of} who guessed",
  "summary.noGuesses": "nobody guessed this card",
  "summary.with": "with {names}",
  "summary.youGuessed": "you guessed {right} of {of} right",
  "summary.yours": "Your strategy cards:",
};
