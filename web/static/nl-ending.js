// De zinnen van het einde (ending.js): een telefoon laadt ze pas als het spel is afgelopen.
export default {
  "summary.heading": "Zo ging het spel",
  "summary.round": "Ronde {round}",
  "summary.support": "Achter het besluit: ja {yes} · deels {partly} · nee {no}",
  "summary.noDecision": "Geen besluit vastgelegd.",
  "summary.recognised": "Herkend:",
  "summary.recognition": "{title}: {right} van {of} raadden hem goed",
  "summary.recognisedBy": "herkend door {right} van de {of} die gokten",
  "summary.noGuesses": "niemand gokte deze kaart",
  "summary.with": "met {names}",
  "summary.youGuessed": "je raadde {right} van {of} goed",
  "summary.yours": "Jouw strategiekaarten:",
};
