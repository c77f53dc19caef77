# Grouped bars (log scale) of the median refresh time per case.
# Usage: gnuplot -e "datafile='refresh.dat'; outfile='refresh.png'" bench/plot.gp
set terminal pngcairo size 1400,650 font ",10" noenhanced
set output outfile
set title "pg_trickle refresh time per case (median, ms, log scale)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y
set yrange [0.1:*]
set ylabel "ms"
set grid ytics mytics
set xtics rotate by 30 right scale 0
set key top left
set datafile missing "NaN"
plot datafile using 2:xtic(1) title "FULL (pg_trickle)" lc rgb "#d62728", \
     ''       using 3 title "REFRESH MATERIALIZED VIEW" lc rgb "#ff9896", \
     ''       using 4 title "DIFFERENTIAL" lc rgb "#1f77b4", \
     ''       using 5 title "floor (one MERGE of the exact diff)" lc rgb "#2ca02c"
